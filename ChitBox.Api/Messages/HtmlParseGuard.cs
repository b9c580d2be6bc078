using System.Net;
using System.Text;

namespace ChitBox.Api.Messages;

/// <summary>
/// Decides, in one linear scan, whether a message's HTML may be given to the HTML parser.
/// The HTML5 tree builder (AngleSharp, under HtmlSanitizer) is superlinear on hostile input:
/// in nesting depth (10,000 nested <c>&lt;div&gt;</c> took 0.9 s, 150,000 took 218 s) and in
/// unclosed formatting elements, which it re-creates in every later paragraph (44 KB of
/// <c>&lt;b class=N&gt;&lt;p&gt;x</c> took 21 s and grew to 21 MB). Mail is untrusted, and the
/// sanitizer runs on every read and on every push, so such HTML is never parsed.
/// </summary>
public static class HtmlParseGuard
{
    /// <summary>Longer HTML (in UTF-16 code units) is not parsed: flat HTML costs about 1.5 µs a character.</summary>
    public const int MaxLength = 512 * 1024;

    /// <summary>Estimated open elements; real mail nests tables a few dozen deep.</summary>
    public const int MaxDepth = 256;

    /// <summary>
    /// The sum, over start tags, of the formatting elements (<c>b</c>, <c>font</c>, ...) left open
    /// before it: a bound on how many the parser may have to re-create.
    /// </summary>
    public const int MaxFormattingWork = 100_000;

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> VoidElements = Names(
    [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
    ]);

    // Their end tags are optional and the parser closes them at the next sibling, so they
    // never nest by themselves: at most one of each counts as open.
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> SelfClosingSiblings = Names(
    [
        "html", "head", "body", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot",
        "colgroup", "caption", "rb", "rt", "rp", "rtc",
    ]);

    // The parser's "active formatting elements".
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> FormattingElements = Names(
    [
        "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
    ]);

    // Their content is text, not tags, up to their own end tag.
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> RawTextElements = Names(
    [
        "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
    ]);

    /// <summary>True when <paramref name="html"/> is small and shallow enough for the parser.</summary>
    public static bool IsSafeToParse(string html)
    {
        if (html.Length > MaxLength)
        {
            return false;
        }

        var open = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
        var depth = 0;
        var formatting = 0;
        long formattingWork = 0;
        foreach (var tag in Tags(html))
        {
            var name = html.AsSpan(tag.NameStart, tag.NameLength);
            if (name.IsEmpty || VoidElements.Contains(name))
            {
                continue;
            }

            var isFormatting = FormattingElements.Contains(name);
            open.TryGetValue(name, out var count);
            if (tag.IsEnd)
            {
                // An end tag closes only an element of its name, and only one that is open.
                if (count > 0)
                {
                    open[name] = count - 1;
                    depth--;
                    formatting -= isFormatting ? 1 : 0;
                }

                continue;
            }

            if (count == 0 || !SelfClosingSiblings.Contains(name))
            {
                open[name] = count + 1;
                depth++;
                formatting += isFormatting ? 1 : 0;
            }

            formattingWork += formatting;
            if (depth > MaxDepth || formattingWork > MaxFormattingWork)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The text of <paramref name="html"/> (tags, comments, scripts and styles removed, character
    /// references decoded), HTML-encoded inside <c>&lt;pre&gt;</c>: safe, readable, and made
    /// in linear time without a parser.
    /// </summary>
    public static string ToPreformattedText(string html)
    {
        var text = new StringBuilder(Math.Min(html.Length, MaxLength));
        var position = 0;
        foreach (var tag in Tags(html))
        {
            text.Append(html, position, tag.Start - position);
            position = tag.End;
        }

        text.Append(html, position, html.Length - position);
        return "<pre>" + WebUtility.HtmlEncode(WebUtility.HtmlDecode(text.ToString())) + "</pre>";
    }

    /// <summary>
    /// Start and end tags in document order, each found once: comments, and the content of
    /// raw-text elements, are stepped over (they are never tags, nor text worth showing).
    /// An unterminated tag or comment ends the scan.
    /// </summary>
    private static IEnumerable<TagSpan> Tags(string html)
    {
        var index = 0;
        while (index < html.Length && (index = html.IndexOf('<', index)) >= 0)
        {
            var start = index;
            if (string.CompareOrdinal(html, start, "<!", 0, 2) == 0 || string.CompareOrdinal(html, start, "<?", 0, 2) == 0)
            {
                // Comment, doctype, CDATA or processing instruction: no element.
                var close = string.CompareOrdinal(html, start, "<!--", 0, 4) == 0
                    ? html.IndexOf("-->", start + 4, StringComparison.Ordinal) is var c and >= 0 ? c + 3 : -1
                    : html.IndexOf('>', start + 2) is var g and >= 0 ? g + 1 : -1;
                if (close < 0)
                {
                    yield return new TagSpan(start, html.Length, start, 0, IsEnd: true);
                    yield break;
                }

                yield return new TagSpan(start, close, start, 0, IsEnd: true);
                index = close;
                continue;
            }

            var nameStart = start + 1;
            var isEnd = nameStart < html.Length && html[nameStart] == '/';
            nameStart += isEnd ? 1 : 0;
            var nameEnd = nameStart;
            if (nameEnd >= html.Length || !char.IsAsciiLetter(html[nameEnd]))
            {
                index = start + 1; // A lone '<' is text.
                continue;
            }

            while (nameEnd < html.Length && (char.IsAsciiLetterOrDigit(html[nameEnd]) || html[nameEnd] == '-'))
            {
                nameEnd++;
            }

            var tagEnd = html.IndexOf('>', nameEnd);
            if (tagEnd < 0)
            {
                yield return new TagSpan(start, html.Length, nameStart, 0, IsEnd: true);
                yield break;
            }

            var endTag = !isEnd && RawTextElements.Contains(html.AsSpan(nameStart, nameEnd - nameStart))
                ? string.Concat("</", html.AsSpan(nameStart, nameEnd - nameStart))
                : null;
            yield return new TagSpan(start, tagEnd + 1, nameStart, nameEnd - nameStart, isEnd);
            index = tagEnd + 1;

            if (endTag is not null)
            {
                // Step over the content to the element's end tag, which the next round reads.
                var contentEnd = html.IndexOf(endTag, index, StringComparison.OrdinalIgnoreCase);
                var skipTo = contentEnd < 0 ? html.Length : contentEnd;
                yield return new TagSpan(index, skipTo, index, 0, IsEnd: true);
                index = skipTo;
            }
        }
    }

    private static HashSet<string>.AlternateLookup<ReadOnlySpan<char>> Names(string[] names) =>
        new HashSet<string>(names, StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// A stretch of markup from <paramref name="Start"/> to <paramref name="End"/> (exclusive);
    /// a zero <paramref name="NameLength"/> marks a stretch that is not an element (comment, script content).
    /// </summary>
    private readonly record struct TagSpan(int Start, int End, int NameStart, int NameLength, bool IsEnd);
}
