using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ChitBox.Mail.Messages;
using MimeKit;
using MimeKit.IO;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>
/// Reads a spooled message with MimeKit, in persistent mode so part contents stay in
/// the spool and are addressed by offset. Never throws for odd content: whatever it
/// cannot make sense of becomes a problem on the result, and the raw bytes are kept.
/// </summary>
public static partial class MessageParser
{
    /// <summary>Bodies longer than this are truncated in the columns; the raw message keeps them whole.</summary>
    public const int MaxBodyChars = 1 << 20;

    private const int SnippetLength = 200;
    private const int MaxMessageIdLength = 500;
    private const int MaxContentTypeLength = 255;

    // Shown in every folder page and thread and sent in every new_email event: a subject the
    // size of a header field would weigh on all of them. RFC 5322 lines stop at 998.
    public const int MaxSubjectLength = 998;

    // What file systems take; a longer name would also not fit in a Content-Disposition a proxy forwards.
    public const int MaxFileNameLength = 255;

    // Control characters, and the marks that reorder text (LRM, RLM, embeddings, overrides, isolates).
    private static readonly SearchValues<char> UnsafeInFileNames = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 32).Select(c => (char)c)) + "\u007F\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069");

    /// <summary>
    /// A larger header field makes the message unreadable (raw kept): MimeKit would take
    /// seconds to minutes over it. Real fields stay far below; Postfix keeps 100 KB of a
    /// whole header block by default.
    /// </summary>
    public const int MaxHeaderFieldLength = 256 * 1024;

    private static readonly ParserOptions Options = CreateOptions();

    private static ParserOptions CreateOptions()
    {
        // Once per process, before the first parse: mail in legacy charsets (windows-1251,
        // koi8-r, iso-2022-jp, ...) then decodes to text instead of mojibake.
        Encoding.RegisterProvider(new CachingEncodingProvider(CodePagesEncodingProvider.Instance));

        var options = ParserOptions.Default.Clone();
        options.AddressParserComplianceMode = RfcComplianceMode.Loose;
        options.ParameterComplianceMode = RfcComplianceMode.Loose;
        options.MaxMimeDepth = 64;
        return options;
    }

    /// <param name="spool">Seekable, positioned at the start; must stay open while the result's offsets are used.</param>
    public static async Task<ParsedMessage> ParseAsync(Stream spool, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        MimeMessage message;
        // Where each attached message's bytes lie: MimeKit keeps those parsed, not as a range.
        var attachedMessages = new Dictionary<MimeEntity, (long Start, long End)>(ReferenceEqualityComparer.Instance);
        var start = spool.Position;
        if (await HeaderFieldScanner.FindOversizedFieldAsync(spool, MaxHeaderFieldLength, cancellationToken) is { } oversizedAt)
        {
            problems.Add($"unparseable message: a header field at octet {oversizedAt - MaxHeaderFieldLength} is over {MaxHeaderFieldLength} octets");
            return ParsedMessage.Unreadable(problems);
        }

        spool.Position = start;
        try
        {
            var parser = new MimeParser(Options, spool, persistent: true);
            parser.MimeEntityEnd += (_, e) =>
            {
                if (e.Entity is MessagePart)
                {
                    attachedMessages[e.Entity] = (e.HeadersEndOffset, e.EndOffset);
                }
            };
            message = await parser.ParseMessageAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // MimeKit is tolerant, but hostile input must never turn into a refusal.
            problems.Add($"unparseable message: {e.Message}");
            return ParsedMessage.Unreadable(problems);
        }

        var from = message.From.Mailboxes.FirstOrDefault();
        if (from is null)
        {
            problems.Add("no From address");
        }

        var date = message.Headers.Contains(HeaderId.Date) && message.Date != DateTimeOffset.MinValue ? message.Date : (DateTimeOffset?)null;
        if (date is null)
        {
            problems.Add(message.Headers.Contains(HeaderId.Date) ? "unparseable Date" : "no Date");
        }

        var (textPart, htmlPart, readAsText) = FindBodies(message, problems);
        var bodyText = Clean(TextBodyReader.Read(textPart, MaxBodyChars, problems));
        var bodyHtml = Clean(TextBodyReader.Read(htmlPart, MaxBodyChars, problems));
        if (bodyText is null && bodyHtml is null)
        {
            bodyText = Clean(PartlessMultipartText(message.Body, problems));
        }

        var attachments = new List<ParsedAttachment>();
        foreach (var entity in message.BodyParts)
        {
            if (entity is MimePart part && part != textPart && part != htmlPart && part != readAsText && IsAttachment(part))
            {
                attachments.Add(await DescribeAsync(part, cancellationToken));
            }
            else if (entity is MessagePart forwarded && attachedMessages.TryGetValue(forwarded, out var range))
            {
                attachments.Add(DescribeAttachedMessage(forwarded, range.Start, range.End));
            }
        }

        return new ParsedMessage(
            Clean(from?.Address),
            DisplayName(from?.Name),
            Addresses(message.To),
            Addresses(message.Cc),
            Subject(message.Subject, problems),
            Snippet(bodyText ?? HtmlToText(bodyHtml)),
            bodyText,
            bodyHtml,
            MessageIdentifier(message.MessageId, message.Headers[HeaderId.MessageId]),
            MessageIdentifier(message.InReplyTo, message.Headers[HeaderId.InReplyTo]),
            message.References.Select(MessageIdentifier).OfType<string>().ToList(),
            date,
            attachments,
            problems);
    }

    /// <summary>
    /// The first plain and first HTML text parts that are neither attachments nor named files, in
    /// document order. A message whose Content-Type cannot be read is plain text (RFC 2045 5.2),
    /// where MimeKit would make it an application/octet-stream part: that part is returned too.
    /// </summary>
    private static (TextPart? Text, TextPart? Html, MimePart? ReadAsText) FindBodies(MimeMessage message, List<string> problems)
    {
        if (message.Body is MimePart single and not TextPart
            && single.Headers[HeaderId.ContentType] is { } declared
            && !ContentType.TryParse(Options, declared, out _))
        {
            problems.Add($"unreadable Content-Type \"{Clamp(Clean(declared), 100)}\": read as text/plain");
            return (new TextPart("plain") { Content = single.Content }, null, single);
        }

        TextPart? text = null, html = null;
        foreach (var part in message.BodyParts.OfType<TextPart>())
        {
            if (part.IsAttachment || part.FileName is not null)
            {
                continue;
            }

            if (text is null && part.IsPlain)
            {
                text = part;
            }
            else if (html is null && part.IsHtml)
            {
                html = part;
            }
        }

        return (text, html, null);
    }

    /// <summary>
    /// The preamble of a multipart with no parts (its boundary missing, or never found in it):
    /// otherwise that content would show nowhere. The problem is noted.
    /// </summary>
    private static string? PartlessMultipartText(MimeEntity? entity, List<string> problems)
    {
        switch (entity)
        {
            case Multipart { Count: 0 } partless:
                problems.Add($"{partless.ContentType.MimeType} without parts (its boundary is missing or never found): shown as text");
                return Clamp(string.Concat(partless.Preamble, partless.Epilogue), MaxBodyChars) is { Length: > 0 } text ? text : null;
            case Multipart multipart:
                foreach (var child in multipart)
                {
                    if (PartlessMultipartText(child, problems) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// Parts shown as attachments: marked so; named (Apple Mail sends files inline, with a name);
    /// with a Content-ID (inline images); and whatever is not a plain or HTML text (an image, a
    /// PDF, text/calendar, text/csv). An unnamed plain or HTML part other than the bodies is not.
    /// </summary>
    private static bool IsAttachment(MimePart part) =>
        part.IsAttachment || part.FileName is not null || part.ContentId is not null
        || part is not TextPart { IsPlain: true } and not TextPart { IsHtml: true };

    /// <summary>Shown in the message rather than offered as a file: marked inline, or, unmarked, referenced by its Content-ID.</summary>
    private static bool IsInline(MimePart part) =>
        part.ContentDisposition is { } disposition
            ? disposition.Disposition.Equals(ContentDisposition.Inline, StringComparison.OrdinalIgnoreCase)
            : part.ContentId is not null;

    private static async Task<ParsedAttachment> DescribeAsync(MimePart part, CancellationToken cancellationToken)
    {
        long offset = 0, length = 0, size = 0;
        if (part.Content?.Stream is BoundStream bound)
        {
            offset = bound.StartBoundary;
            length = bound.EndBoundary - bound.StartBoundary;
            await using var counter = new CountingStream();
            await part.Content.DecodeToAsync(counter, cancellationToken);
            size = counter.Length;
        }

        var encoding = part.ContentTransferEncoding switch
        {
            ContentEncoding.Base64 => "base64",
            ContentEncoding.QuotedPrintable => "quoted-printable",
            ContentEncoding.UUEncode => "x-uuencode",
            _ => null,
        };
        var fileName = SafeFileName(part.FileName);
        return new ParsedAttachment(
            fileName,
            Clamp(Clean(part.ContentType.MimeType), MaxContentTypeLength) ?? "application/octet-stream",
            size,
            Clamp(Clean(part.ContentId), MaxMessageIdLength),
            IsInline(part),
            offset,
            length,
            encoding);
    }

    /// <summary>A forwarded message (message/rfc822), served as the .eml it is.</summary>
    private static ParsedAttachment DescribeAttachedMessage(MessagePart part, long start, long end)
    {
        return new ParsedAttachment(
            SafeFileName(part.ContentDisposition?.FileName) ?? "forwarded-message.eml",
            Clamp(Clean(part.ContentType.MimeType), MaxContentTypeLength) ?? "message/rfc822",
            end - start,
            Clamp(Clean(part.ContentId), MaxMessageIdLength),
            IsInline: false,
            start,
            end - start,
            TransferEncoding: null);
    }

    /// <summary>
    /// The name alone: a sender's path (either slash) must not reach a user's disk, nor control
    /// characters, nor the direction marks that make <c>invoice\u202Efdp.exe</c> read as
    /// "invoiceexe.pdf". Shortened to <see cref="MaxFileNameLength"/>, keeping a short extension.
    /// </summary>
    private static string? SafeFileName(string? name)
    {
        name = string.IsNullOrEmpty(name) ? null : Clean(Path.GetFileName(name.Replace('\\', '/')));
        if (name is not null && name.AsSpan().IndexOfAny(UnsafeInFileNames) >= 0)
        {
            name = string.Concat(name.Where(c => !UnsafeInFileNames.Contains(c)));
        }

        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name is "." or "..")
        {
            return null;
        }

        if (name.Length <= MaxFileNameLength)
        {
            return name;
        }

        var extension = Path.GetExtension(name);
        extension = extension.Length <= 16 ? extension : "";
        return Clamp(name[..^extension.Length], MaxFileNameLength - extension.Length) + extension;
    }

    private static string? Subject(string? subject, List<string> problems)
    {
        subject = Clean(subject);
        if (subject?.Length > MaxSubjectLength)
        {
            problems.Add($"Subject of {subject.Length} characters cut to {MaxSubjectLength}");
            return Clamp(subject, MaxSubjectLength);
        }

        return subject;
    }

    /// <summary>A mailbox without a display name has none (null), not an empty one.</summary>
    private static string? DisplayName(string? name) => string.IsNullOrWhiteSpace(name) ? null : Clean(name);

    private static List<MailAddress> Addresses(InternetAddressList list) =>
        list.Mailboxes.Select(m => new MailAddress(Clean(m.Address) ?? "", DisplayName(m.Name))).ToList();

    /// <summary>The start of the text, each run of white space made one space.</summary>
    private static string? Snippet(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        Span<char> snippet = stackalloc char[SnippetLength];
        var length = 0;
        var spaceDue = false;
        foreach (var c in text.AsSpan(0, Math.Min(text.Length, SnippetLength * 4)))
        {
            if (char.IsWhiteSpace(c))
            {
                spaceDue = length > 0;
                continue;
            }

            if (length + (spaceDue ? 1 : 0) >= SnippetLength)
            {
                break;
            }

            if (spaceDue)
            {
                snippet[length++] = ' ';
                spaceDue = false;
            }

            snippet[length++] = c;
        }

        // Never half a surrogate pair.
        if (length == SnippetLength && char.IsHighSurrogate(snippet[length - 1]))
        {
            length--;
        }

        return new string(snippet[..length]);
    }

    /// <summary>
    /// The text a reader would see: tags, and the title, scripts and style sheets whole, become
    /// spaces, and character references (<c>&amp;amp;</c>, <c>&amp;eacute;</c>) are decoded.
    /// Only the start matters for a snippet: the first 12,800 characters, or 100 KiB when a long
    /// head or style sheet leaves no text in them. The bound, and a regex engine that never
    /// backtracks, keep it linear on hostile HTML.
    /// </summary>
    private static string? HtmlToText(string? html)
    {
        if (html is null)
        {
            return null;
        }

        const int Usual = SnippetLength * 64, Furthest = SnippetLength * 512;
        var text = VisibleText(html, Usual);
        return string.IsNullOrWhiteSpace(text) && html.Length > Usual ? VisibleText(html, Furthest) : text;
    }

    private static string? VisibleText(string html, int window) =>
        Clean(WebUtility.HtmlDecode(HiddenHtml().Replace(html[..Math.Min(html.Length, window)], " ")));

    [GeneratedRegex(@"<script\b.*?(</script\s*>|$)|<style\b.*?(</style\s*>|$)|<title\b.*?(</title\s*>|$)|<[^>]*>", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.NonBacktracking)]
    private static partial Regex HiddenHtml();

    /// <summary>
    /// A Message-ID as MimeKit reads it or, when it reads none, the field as written if it is one
    /// bare <c>left@right</c> (no angle brackets, as some senders write In-Reply-To); empty is none.
    /// Indexed: one over <see cref="MaxMessageIdLength"/> would exceed PostgreSQL's index row limit.
    /// </summary>
    private static string? MessageIdentifier(string? parsed, string? field)
    {
        var bare = field?.Trim();
        var id = !string.IsNullOrWhiteSpace(parsed) ? parsed
            : bare is { Length: > 0 } && bare.Contains('@') && !bare.Any(c => char.IsWhiteSpace(c) || c is '<' or '>') ? bare
            : null;
        id = Clean(id);
        if (id is null || id.Length <= MaxMessageIdLength)
        {
            return id;
        }

        // Its start and a hash of the whole: two long ids that share a start stay apart.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
        return Clamp(id, MaxMessageIdLength - hash.Length - 1) + "~" + hash;
    }

    private static string? MessageIdentifier(string? id) => MessageIdentifier(id, field: null);

    private static string? Clamp(string? value, int maxLength) =>
        value is null || value.Length <= maxLength ? value
            : value[..(char.IsHighSurrogate(value[maxLength - 1]) ? maxLength - 1 : maxLength)];

    /// <summary>PostgreSQL text cannot hold NUL, and UTF-8 cannot hold lone surrogates.</summary>
    private static string? Clean(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Contains('\0'))
        {
            value = value.Replace("\0", "");
        }

        // A round trip through UTF-8 keeps valid pairs and turns lone surrogates into U+FFFD.
        return value.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF') ? Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value)) : value;
    }
}
