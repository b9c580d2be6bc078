using System.Net;
using System.Text;
using MimeKit.Utils;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>The <c>Received:</c> header (RFC 5321 4.4) ChitBox puts before each copy's raw bytes.</summary>
public static class TraceHeader
{
    public static string Received(IncomingMessage message, string serverHostName, string queueId, string recipient)
    {
        var client = message.RemoteEndPoint is IPEndPoint ip ? $"[{ip.Address}]" : "[unknown]";
        var protocol = message.IsTls ? "ESMTPS" : "ESMTP";
        return $"Received: from {Printable(message.ClientHelo)} ({client})\r\n" +
               $"\tby {serverHostName} (ChitBox) with {protocol} id {queueId}\r\n" +
               $"\tfor <{Printable(recipient)}>; {DateUtils.FormatDate(message.ReceivedAt)}\r\n";
    }

    /// <summary>Client-supplied text goes into a header: keep it on one line and free of control bytes.</summary>
    private static string Printable(string value)
    {
        var text = new StringBuilder(Math.Min(value.Length, 255));
        foreach (var c in value.AsSpan(0, Math.Min(value.Length, 255)))
        {
            // Surrogates too: a pair cut at the length limit would be invalid UTF-8.
            text.Append(char.IsControl(c) || char.IsSurrogate(c) || c is '(' or ')' ? '_' : c);
        }

        return text.Length == 0 ? "unknown" : text.ToString();
    }
}
