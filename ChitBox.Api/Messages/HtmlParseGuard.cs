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

    /// <summary>
    /// Start and end tags. The depth above is an estimate from counting, and the parser keeps
    /// elements open that counting closes (an end tag it ignores after a special element, as in
    /// <c>&lt;x&gt;&lt;div&gt;&lt;/x&gt;&lt;/div&gt;</c>, or list items it does not close inside
    /// another, as in <c>&lt;li&gt;&lt;dd&gt;</c>): this caps how deep such tricks can go.
    /// Newsletters have a few thousand tags.
    /// </summary>
    public const int MaxTags = 10_000;

    private static readonly HashSet<string> VoidElements = Names(
    [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
    ]);

    // Their end tags are optional and the parser closes them at the next sibling, so they
    // never nest by themselves: at most one of each counts as open.
    private static readonly HashSet<string> SelfClosingSiblings = Names(
    [
        "html", "head", "body", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot",
        "colgroup", "caption", "rb", "rt", "rp", "rtc",
    ]);

    // The parser's "active formatting elements".
    private static readonly HashSet<string> FormattingElements = Names(
    [
        "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
    ]);

    /// <summary>True when <paramref name="html"/> is small and shallow enough for the parser.</summary>
    public static bool IsSafeToParse(string html)
    {
        if (html.Length > MaxLength)
        {
            return false;
        }

        // Names as the tokenizer folds them (ASCII only), so compared ordinally.
        var open = new Dictionary<string, int>(StringComparer.Ordinal);
        var depth = 0;
        var formatting = 0;
        long formattingWork = 0;
        var tags = 0;
        foreach (var tag in HtmlMarkupScanner.Scan(html))
        {
            if (tag.Kind == HtmlMarkupKind.Ambiguous)
            {
                return false;
            }

            if (tag.Kind is not (HtmlMarkupKind.StartTag or HtmlMarkupKind.EndTag))
            {
                continue;
            }

            if (++tags > MaxTags)
            {
                return false;
            }

            if (VoidElements.Contains(tag.Name))
            {
                continue;
            }

            var name = tag.Name;
            var isFormatting = FormattingElements.Contains(name);
            open.TryGetValue(name, out var count);
            if (tag.Kind == HtmlMarkupKind.EndTag)
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
        foreach (var markup in HtmlMarkupScanner.Scan(html))
        {
            if (markup.Kind == HtmlMarkupKind.Text)
            {
                text.Append(html, markup.Start, markup.End - markup.Start);
            }
        }

        return "<pre>" + WebUtility.HtmlEncode(WebUtility.HtmlDecode(text.ToString())) + "</pre>";
    }

    private static HashSet<string> Names(string[] names) => new(names, StringComparer.Ordinal);
}
