using System.Text;
using ChitBox.SmtpIngress.Delivery;
using ChitBox.Tests.Infrastructure;
using MimeKit;
using MimeKit.IO;
using MimeKit.IO.Filters;

namespace ChitBox.Tests.SmtpIngress.Delivery;

public sealed class MessageParserTests
{
    public static TheoryData<string, string> TextBodies => new()
    {
        { "text/plain; charset=us-ascii", "7bit\r\n\r\nline one\r\nline two\r\n\r\n" },
        { "text/plain; charset=utf-8", "8bit\r\n\r\nSch\u00f6ne Gr\u00fc\u00dfe\r\r\nstray\rcarriage return\r\n" },
        { "text/plain; charset=utf-8", "base64\r\n\r\n" + Convert.ToBase64String(Encoding.UTF8.GetBytes("\uFEFFwith a byte-order mark\r\nand CRLF\r\n")) + "\r\n" },
        { "text/plain; charset=iso-8859-1", "quoted-printable\r\n\r\nCaf=E9 au lait=\r\n soft break\r\n" },
        { "text/html; charset=windows-1251", "base64\r\n\r\n" + Convert.ToBase64String(CodePagesEncodingProvider.Instance.GetEncoding(1251)!.GetBytes("<p>\u041f\u0440\u0438\u0432\u0435\u0442</p>\r\n")) + "\r\n" },
        { "text/plain; charset=x-unknown-charset", "8bit\r\n\r\nunknown charset\r\n" },
        { "text/plain", "8bit\r\n\r\nno charset \u00e9\r\n" },
        // U+0D0A is the bytes 0A 0D in UTF-16LE: dropping a CR before an LF would shift the text by a byte.
        { "text/plain; charset=utf-16le", "base64\r\n\r\n" + Convert.ToBase64String(Encoding.Unicode.GetBytes("\u0D0A\u0D0A \u0D2E\u0D32\u0D2F\u0D3E\u0D33\u0D02\r\nline2 \u0D0A\r\n")) + "\r\n" },
        { "text/html; charset=utf-16", "base64\r\n\r\n" + Convert.ToBase64String([.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes("<p>\u0D0A</p>\r\n")]) + "\r\n" },
    };

    [Theory]
    [MemberData(nameof(TextBodies))]
    public async Task Text_bodies_read_as_MimeKit_reads_them(string contentType, string encodingAndBody)
    {
        var raw = Encoding.UTF8.GetBytes($"From: a@example.org\r\nContent-Type: {contentType}\r\nContent-Transfer-Encoding: {encodingAndBody}");
        var expected = Assert.IsType<TextPart>((await MimeMessage.LoadAsync(new MemoryStream(raw))).Body).Text;

        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);

        Assert.Equal(expected, contentType.StartsWith("text/html") ? parsed.BodyHtml : parsed.BodyText);
    }

    [Fact]
    public async Task Multipart_message_yields_addresses_bodies_and_threading_headers()
    {
        var parsed = await ParseAsync("multipart-with-attachments.eml");

        Assert.Equal("alice@example.org", parsed.FromEmail);
        Assert.Equal("Alice Example", parsed.FromName);
        Assert.Equal(["bob@chitbox.local", "carol@chitbox.local"], parsed.To.Select(a => a.Email));
        Assert.Equal("Bob", parsed.To[0].Name);
        Assert.Equal("dave@example.org", Assert.Single(parsed.Cc).Email);
        Assert.Equal("Report — Q3", parsed.Subject);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.FromHours(1)), parsed.Date);
        Assert.Equal("report-q3@example.org", parsed.MessageId);
        Assert.Equal("earlier@example.org", parsed.InReplyTo);
        Assert.Equal(["start@example.org", "earlier@example.org"], parsed.References);
        Assert.Equal("Hello Bob,\nthe report is attached. Café.", parsed.BodyText?.ReplaceLineEndings("\n"));
        Assert.Contains("cid:logo@example.org", parsed.BodyHtml);
        Assert.StartsWith("Hello Bob, the report", parsed.Snippet);
        Assert.Empty(parsed.Problems);
    }

    [Fact]
    public async Task Attachments_and_inline_parts_point_at_their_encoded_bytes_in_the_raw_message()
    {
        var raw = Fixtures.Read("multipart-with-attachments.eml");
        var parsed = await ParseAsync("multipart-with-attachments.eml");

        Assert.Equal(2, parsed.Attachments.Count);
        var logo = parsed.Attachments.Single(a => a.ContentType == "image/png");
        Assert.True(logo.IsInline);
        Assert.Equal("logo@example.org", logo.ContentId);
        Assert.Equal(Enumerable.Range(0, 40).SelectMany(_ => Enumerable.Range(0, 256).Select(b => (byte)b)), Decode(raw, logo));
        Assert.Equal(10240, logo.Size);

        var report = parsed.Attachments.Single(a => a.ContentType == "application/pdf");
        Assert.False(report.IsInline);
        Assert.Equal("résumé Q3.pdf", report.FileName);
        Assert.Equal("base64", report.TransferEncoding);
        var decoded = Decode(raw, report);
        Assert.Equal(report.Size, decoded.Length);
        Assert.StartsWith("%PDF-1.4", Encoding.ASCII.GetString(decoded));
    }

    [Fact]
    public async Task A_forwarded_message_is_an_attachment_whose_bytes_are_the_message()
    {
        var raw = Fixtures.Read("forwarded-message.eml");
        var parsed = await ParseAsync("forwarded-message.eml");

        var forwarded = Assert.Single(parsed.Attachments);
        Assert.Equal("message/rfc822", forwarded.ContentType);
        Assert.Equal("original.eml", forwarded.FileName);
        Assert.Null(forwarded.TransferEncoding);
        var bytes = Encoding.ASCII.GetString(raw, (int)forwarded.ContentOffset, (int)forwarded.ContentLength);
        Assert.StartsWith("From: Original <orig@example.org>\r\n", bytes);
        Assert.Contains("Line two.", bytes);
        Assert.DoesNotContain("--fwd", bytes);
        Assert.Equal(forwarded.ContentLength, forwarded.Size);
        Assert.Equal("See below.", parsed.BodyText?.Trim());
    }

    [Fact]
    public async Task A_body_in_a_legacy_charset_is_decoded_to_text()
    {
        var head = "From: a@example.org\r\nSubject: =?koi8-r?B?8NLJ18XU?=\r\nContent-Type: text/plain; charset=windows-1251\r\n\r\n"u8.ToArray();
        // "Привет, мир" in windows-1251.
        byte[] body = [0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2, 0x2C, 0x20, 0xEC, 0xE8, 0xF0, 0x0D, 0x0A];

        var parsed = await MessageParser.ParseAsync(new MemoryStream([.. head, .. body]), CancellationToken.None);

        Assert.Equal("Привет", parsed.Subject);
        Assert.Equal("Привет, мир", parsed.BodyText?.Trim());
    }

    [Fact]
    public async Task Bytes_that_are_no_message_at_all_give_a_result_with_problems_not_an_exception()
    {
        var parsed = await ParseAsync("not-a-message.eml");

        Assert.NotEmpty(parsed.Problems);
        Assert.Null(parsed.FromEmail);
    }

    [Fact]
    public async Task Malformed_headers_are_recorded_as_problems_and_nul_bytes_removed()
    {
        var parsed = await ParseAsync("malformed-headers.eml");

        Assert.Contains(parsed.Problems, p => p.Contains("Date"));
        Assert.DoesNotContain('\0', parsed.Subject ?? "");
        Assert.Contains("body text", parsed.BodyText);
    }

    [Fact]
    public async Task A_header_field_too_large_for_MimeKit_leaves_the_message_unreadable_with_the_reason()
    {
        // A Subject folded over 100,000 lines: MimeKit's time grows with the square of a field's size.
        var raw = Encoding.ASCII.GetBytes(
            "From: a@example.org\r\nSubject: start" + string.Concat(Enumerable.Repeat("\r\n abc", 100_000)) + "\r\n\r\nbody\r\n");

        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);

        Assert.Null(parsed.FromEmail);
        Assert.Contains(parsed.Problems, p => p.Contains($"a header field at octet 21 is over {MessageParser.MaxHeaderFieldLength} octets"));
    }

    [Fact]
    public async Task A_long_line_of_html_or_base64_in_a_body_is_parsed_as_usual()
    {
        var line = new string('x', MessageParser.MaxHeaderFieldLength + 1);
        var raw = Encoding.ASCII.GetBytes(
            "From: a@example.org\r\nSubject: one-line html\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
            $"--b\r\nContent-Type: text/html\r\n\r\n<p>{line}</p>\r\n" +
            $"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n{line}\r\n--b--\r\n");

        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);

        Assert.Equal("one-line html", parsed.Subject);
        Assert.StartsWith("<p>xxx", parsed.BodyHtml);
        Assert.Single(parsed.Attachments);
    }

    [Fact]
    public async Task A_huge_text_body_is_truncated_in_the_columns_and_noted()
    {
        var body = new string('x', MessageParser.MaxBodyChars * 5);
        var raw = Encoding.ASCII.GetBytes($"From: a@example.org\r\nDate: Tue, 24 Nov 2026 08:00:00 +0000\r\nSubject: big\r\n\r\n{body}\r\n");

        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);

        Assert.Equal(MessageParser.MaxBodyChars, parsed.BodyText!.Length);
        Assert.Contains(parsed.Problems, p => p.Contains("truncated"));
    }

    [Fact]
    public async Task A_message_without_date_is_noted_so_receipt_time_stands_in()
    {
        var raw = "From: a@example.org\r\nSubject: no date\r\n\r\nhi\r\n"u8.ToArray();

        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);

        Assert.Null(parsed.Date);
        Assert.Contains("no Date", parsed.Problems);
    }

    public static TheoryData<string, string> Snippets => new()
    {
        { "  lots   of\r\n\t white \r\n\r\n space  \r\n", "lots of white space" },
        { string.Concat(Enumerable.Repeat("word\r\n", 100)), string.Join(' ', Enumerable.Repeat("word", 40)) },
        // 199 characters, then a pair that would not fit whole.
        { new string('a', 199) + "\U0001F600 more", new string('a', 199) },
        { new string('b', 300), new string('b', 200) },
    };

    [Theory]
    [MemberData(nameof(Snippets))]
    public async Task The_snippet_is_the_start_of_the_text_with_white_space_collapsed(string body, string snippet)
    {
        var raw = Encoding.UTF8.GetBytes($"From: a@example.org\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}");

        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);

        Assert.Equal(snippet, parsed.Snippet);
    }

    [Fact]
    public async Task Fields_shown_everywhere_are_bounded_and_the_cut_noted()
    {
        var longName = new string('n', 600) + ".pdf";
        var raw = Encoding.ASCII.GetBytes(
            "From: a@example.org\r\nTo: b@example.org\r\nSubject: " + new string('s', 5000) + "\r\n" +
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n" +
            $"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"{longName}\"\r\n" +
            $"Content-ID: <{new string('c', 5000)}>\r\n\r\npdf\r\n--b--\r\n");

        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);

        Assert.Equal(new string('s', MessageParser.MaxSubjectLength), parsed.Subject);
        Assert.Contains($"Subject of 5000 characters cut to {MessageParser.MaxSubjectLength}", parsed.Problems);
        var attachment = Assert.Single(parsed.Attachments);
        Assert.Equal(new string('n', MessageParser.MaxFileNameLength - 4) + ".pdf", attachment.FileName);
        Assert.Equal(500, attachment.ContentId?.Length);
    }

    [Fact]
    public async Task A_mailbox_without_a_display_name_has_a_null_name()
    {
        var raw = Encoding.ASCII.GetBytes("From: a@example.org\r\nTo: <b@example.org>, \"\" <c@example.org>\r\n\r\nhi\r\n");

        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);

        Assert.Null(parsed.FromName);
        Assert.All(parsed.To, address => Assert.Null(address.Name));
    }

    [Theory]
    [InlineData("<html><head><style>p { color: red }</style><script>alert(1)</script></head><body><p>Hello</p></body></html>", "Hello")]
    [InlineData("<p>Before</p><SCRIPT type=\"text/javascript\">var x = '<p>';</SCRIPT ><p>after</p>", "Before after")]
    [InlineData("<p>Shown</p><script>never closed <p>hidden</p>", "Shown")]
    [InlineData("<html><head><title>Newsletter</title></head><body><p>Tom &amp; Jerry &lt;3 &eacute;t&eacute; &#x1F600;&nbsp;x</p>", "Tom & Jerry <3 été \U0001F600 x")]
    [InlineData("<p>&#0;a&#xD800;b</p>", "a&#xD800;b")]
    public async Task The_snippet_of_html_is_its_text_without_title_scripts_or_style_sheets(string html, string snippet)
    {
        var raw = Encoding.ASCII.GetBytes($"From: a@example.org\r\nContent-Type: text/html\r\n\r\n{html}\r\n");

        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);

        Assert.Equal(snippet, parsed.Snippet);
    }

    [Fact]
    public async Task Named_parts_and_text_that_is_not_a_body_are_attachments_inline_only_when_so_marked_or_referenced()
    {
        var raw = Encoding.ASCII.GetBytes(
            "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
            "--b\r\nContent-Type: text/plain\r\n\r\nBody here\r\n" +
            "--b\r\nContent-Type: text/csv; name=\"report.csv\"\r\n\r\na,b\r\n" +
            "--b\r\nContent-Type: text/plain; name=\"notes.txt\"\r\nContent-Disposition: inline; filename=\"notes.txt\"\r\n\r\nnotes\r\n" +
            "--b\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n" +
            "--b\r\nContent-Type: application/pdf; name=\"doc.pdf\"\r\n\r\npdf\r\n" +
            "--b\r\nContent-Type: image/png\r\nContent-ID: <logo@example.org>\r\n\r\npng\r\n" +
            "--b\r\nContent-Type: text/plain\r\n\r\nan unnamed footer, neither body nor file\r\n--b--\r\n");

        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);

        Assert.Equal("Body here", parsed.BodyText?.TrimEnd());
        Assert.Equal(
            [("text/csv", "report.csv", false), ("text/plain", "notes.txt", true), ("text/calendar", null, false), ("application/pdf", "doc.pdf", false), ("image/png", null, true)],
            parsed.Attachments.Select(a => (a.ContentType, a.FileName, a.IsInline)));
    }

    [Fact]
    public async Task An_empty_message_id_is_none_and_one_without_angle_brackets_still_counts()
    {
        var raw = Encoding.ASCII.GetBytes("From: a@example.org\r\nMessage-ID: <>\r\nIn-Reply-To: parent@example.org\r\n\r\nhi\r\n");

        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);

        Assert.Null(parsed.MessageId);
        Assert.Equal("parent@example.org", parsed.InReplyTo);
    }

    [Theory]
    [InlineData("=?utf-8?q?a=0D=0Ab=09c.txt?=", "abc.txt")]
    [InlineData("=?utf-8?b?" + "aW52b2ljZeKArmZkcC5leGU=" + "?=", "invoicefdp.exe")]
    [InlineData("..", null)]
    [InlineData("=?utf-8?q?=E2=80=8F?=", null)]
    public async Task File_names_lose_control_characters_and_direction_marks(string written, string? fileName)
    {
        var raw = Encoding.ASCII.GetBytes(
            "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n" +
            $"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"{written}\"\r\n\r\nx\r\n--b--\r\n");

        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);

        Assert.Equal(fileName, Assert.Single(parsed.Attachments).FileName);
    }

    [Fact]
    public async Task Message_ids_too_long_to_keep_whole_stay_apart_when_they_share_a_start()
    {
        static async Task<ParsedMessage> ParseWithIdAsync(string id) => await MessageParser.ParseAsync(
            new MemoryStream(Encoding.ASCII.GetBytes($"From: a@example.org\r\nMessage-ID: <{id}>\r\nIn-Reply-To: <{id}>\r\n\r\nhi\r\n")), CancellationToken.None);
        var start = new string('q', 600);

        var first = await ParseWithIdAsync(start + "1@example.org");
        var second = await ParseWithIdAsync(start + "2@example.org");

        Assert.NotEqual(first.MessageId, second.MessageId);
        Assert.Equal(first.MessageId, first.InReplyTo);
        Assert.True(first.MessageId!.Length <= 500);
    }

    [Fact]
    public async Task The_snippet_of_html_is_found_after_a_long_style_sheet()
    {
        var html = "<html><head><style>" + new string('x', 40_000) + "</style></head><body><p>Newsletter text</p></body></html>";
        var raw = Encoding.ASCII.GetBytes($"From: a@example.org\r\nContent-Type: text/html\r\n\r\n{html}\r\n");

        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);

        Assert.Equal("Newsletter text", parsed.Snippet);
    }

    [Theory]
    [InlineData("multipart/mixed", "Shown text\r\n--B\r\nContent-Type: text/plain\r\n\r\npart\r\n--B--")]
    [InlineData("multipart/mixed; boundary=ZZZ", "Shown text\r\n--B\r\nContent-Type: text/plain\r\n\r\npart\r\n--B--")]
    [InlineData("multipart/alternative; boundary=\"never\"", "Shown text")]
    public async Task A_multipart_without_parts_shows_its_content_as_text_with_the_problem_noted(string contentType, string content)
    {
        var raw = Encoding.ASCII.GetBytes($"From: a@example.org\r\nContent-Type: {contentType}\r\n\r\n{content}\r\n");

        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);

        Assert.StartsWith("Shown text", parsed.BodyText);
        Assert.StartsWith("Shown text", parsed.Snippet);
        Assert.Contains(parsed.Problems, problem => problem.Contains("without parts"));
    }

    [Theory]
    [InlineData("text")]
    [InlineData(";;;===///")]
    public async Task A_message_whose_content_type_cannot_be_read_is_plain_text(string contentType)
    {
        var raw = Encoding.ASCII.GetBytes($"From: a@example.org\r\nContent-Type: {contentType}\r\n\r\nBody text\r\n");

        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);

        Assert.Equal("Body text", parsed.BodyText?.TrimEnd());
        Assert.Empty(parsed.Attachments);
        Assert.Contains(parsed.Problems, problem => problem.Contains("unreadable Content-Type"));
    }

    private static Task<ParsedMessage> ParseAsync(string fixture) =>
        MessageParser.ParseAsync(new MemoryStream(Fixtures.Read(fixture)), CancellationToken.None);

    private static byte[] Decode(byte[] raw, ParsedAttachment attachment)
    {
        var encoded = new MemoryStream(raw, (int)attachment.ContentOffset, (int)attachment.ContentLength);
        var decoded = new MemoryStream();
        using (var filtered = new FilteredStream(decoded))
        {
            filtered.Add(DecoderFilter.Create(ContentEncoding.Base64));
            encoded.CopyTo(filtered);
            filtered.Flush();
        }

        return decoded.ToArray();
    }
}
