using System.Text;
using ChitBox.SmtpIngress.Delivery;

namespace ChitBox.Tests.SmtpIngress.Delivery;

public sealed class HeaderFieldScannerTests
{
    private const int Limit = 1000;

    private static string Folded(string name, int lines) =>
        name + ": start" + string.Concat(Enumerable.Repeat("\r\n continued", lines)) + "\r\n";

    private static string Long(int length) => new('x', length);

    public static TheoryData<string, string> Oversized => new()
    {
        { "a top-level field folded over many lines", "From: a@example.org\r\n" + Folded("Subject", 200) + "\r\nbody\r\n" },
        { "a top-level field on one long line", "Subject: " + Long(Limit) + "\r\n\r\nbody\r\n" },
        { "a field of a part", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" + Folded("X-Part", 200) + "\r\nhi\r\n--b--\r\n" },
        { "a field of an attached message", "Content-Type: message/rfc822\r\n\r\nFrom: a@example.org\r\n" + Folded("Subject", 200) + "\r\nbody\r\n" },
        { "a field of a message attached in a part", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type:\r\n MESSAGE/rfc822\r\n\r\n" + Folded("X-Inner", 200) + "\r\n\r\nbody\r\n--b--\r\n" },
        { "bare line feeds", "Subject: a" + string.Concat(Enumerable.Repeat("\n b", 600)) + "\n\nbody\n" },
        // MimeKit reads these parts as messages too: a bounce's headers, and the type however written.
        { "a field of a text/rfc822-headers part", InPart("Content-Type: text/rfc822-headers") },
        { "a field of a part whose type follows a comment", InPart("Content-Type: (a (nested) comment) message/rfc822") },
        { "a field of a part whose type name has a space before the colon", InPart("Content-Type : message/rfc822") },
        { "a field of a part whose type comes after much white space", InPart("Content-Type:" + new string(' ', 300) + "message/rfc822") },
        { "a field of a part whose type is folded far down", InPart("Content-Type:" + string.Concat(Enumerable.Repeat("\r\n ", 200)) + "message/rfc822") },
        { "a field of a part whose subtype comes after a comment", InPart("Content-Type: text/(x)rfc822-headers") },
    };

    private static string InPart(string contentType) =>
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" + contentType + "\r\n\r\n" + Folded("Subject", 200) + "\r\n\r\nbody\r\n--b--\r\n";

    public static TheoryData<string, string> WithinLimits => new()
    {
        { "many ordinary fields", string.Concat(Enumerable.Range(0, 500).Select(i => $"X-Field-{i}: value\r\n")) + "\r\nbody\r\n" },
        { "a long body line", "Subject: s\r\n\r\n" + Long(10 * Limit) + "\r\n" },
        { "indented body lines after the headers", "Subject: s\r\n\r\nline\r\n" + string.Concat(Enumerable.Repeat("    code\r\n", 500)) },
        { "a long line in a part's body", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n" + Long(10 * Limit) + "\r\n--b--\r\n" },
        { "a long line after a part that is not a message", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nX-Note: message/rfc822 named after the type\r\n\r\n" + Long(10 * Limit) + "\r\n--b--\r\n" },
        { "a long line in a part whose type only names a message", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; name=\"message/rfc822\"\r\n\r\n" + Long(10 * Limit) + "\r\n--b--\r\n" },
        { "an attached message's long body line", "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\n" + Long(10 * Limit) + "\r\n" },
        { "a long line in a text part with a comment in its type", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: (html follows) text/html\r\n\r\n" + Long(10 * Limit) + "\r\n--b--\r\n" },
        { "a long line in a part with an empty type", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type:  (unclosed\r\n\r\n" + Long(10 * Limit) + "\r\n--b--\r\n" },
        { "a long line in a part of a type named like a message", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: messages/x\r\n\r\n" + Long(10 * Limit) + "\r\n--b--\r\n" },
    };

    [Theory]
    [MemberData(nameof(Oversized))]
    public void A_header_field_over_the_limit_is_found_wherever_MimeKit_would_read_it(string where, string message)
    {
        Assert.True(Scan(message, chunk: int.MaxValue) is not null, where);
        Assert.True(Scan(message, chunk: 1) is not null, where + ", fed a byte at a time");
    }

    [Theory]
    [MemberData(nameof(WithinLimits))]
    public void Ordinary_headers_and_long_body_lines_pass(string what, string message)
    {
        Assert.True(Scan(message, chunk: int.MaxValue) is null, what);
        Assert.True(Scan(message, chunk: 7) is null, what + ", fed in small pieces");
    }

    [Fact]
    public void The_offset_is_where_the_field_goes_over_the_limit()
    {
        const string head = "From: a@example.org\r\n";

        Assert.Equal(head.Length + Limit, Scan(head + "Subject: " + Long(2 * Limit) + "\r\n\r\n", chunk: 100));
    }

    private static long? Scan(string message, int chunk)
    {
        var scanner = new HeaderFieldScanner(Limit);
        var bytes = Encoding.ASCII.GetBytes(message);
        for (var i = 0; i < bytes.Length; i += chunk)
        {
            scanner.Feed(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)));
        }

        return scanner.OversizedAt;
    }
}
