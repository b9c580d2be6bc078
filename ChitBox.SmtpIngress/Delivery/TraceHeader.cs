using System.Net;
using System.Text;
using MimeKit.Utils;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>
/// The trace fields (RFC 5321 4.4) ChitBox puts before each copy's raw bytes: as the server
/// making final delivery, <c>Return-Path:</c> with the envelope sender (<c>&lt;&gt;</c> for a
/// bounce), then its own <c>Received:</c>.
/// </summary>
public static class TraceHeader
{
    public static string For(IncomingMessage message, string serverHostName, string queueId, string recipient)
    {
        var client = message.RemoteEndPoint is IPEndPoint ip ? $"[{ip.Address}]" : "[unknown]";
        // RFC 6531 3.7.3 names a transaction that used SMTPUTF8.
        var protocol = (message.IsSmtpUtf8 ? "UTF8SMTP" : "ESMTP") + (message.IsTls ? "S" : "");
        return $"Return-Path: <{Printable(message.ReversePath, orElse: "")}>\r\n" +
               $"Received: from {Printable(message.ClientHelo)} ({client})\r\n" +
               $"\tby {serverHostName} (ChitBox) with {protocol} id {queueId}\r\n" +
               $"\tfor <{Printable(recipient)}>; {DateUtils.FormatDate(message.ReceivedAt)}\r\n";
    }

    /// <summary>Client-supplied text goes into a header: keep it on one line and free of control bytes.</summary>
    private static string Printable(string value, string orElse = "unknown")
    {
        var text = new StringBuilder(Math.Min(value.Length, 255));
        foreach (var c in value.AsSpan(0, Math.Min(value.Length, 255)))
        {
            // Surrogates too: a pair cut at the length limit would be invalid UTF-8.
            text.Append(char.IsControl(c) || char.IsSurrogate(c) || c is '(' or ')' ? '_' : c);
        }

        return text.Length == 0 ? orElse : text.ToString();
    }
}
