using System.Text;

namespace ChitBox.Api.Messages;

/// <summary>
/// Splits HTML into tags, comments, raw text and text exactly where the HTML tokenizer of the
/// parser (AngleSharp 1.9, which follows the WHATWG tokenizer) does, in one linear pass.
/// A guard that read markup any other way could be shown one document while the parser builds
/// another: a tag name runs to whitespace, '/' or '>' (so <c>&lt;q_&gt;</c> and <c>&lt;/q_x&gt;</c>
/// name different elements), a quoted attribute value may hold '>', <c>&lt;!--&gt;</c> is a whole
/// comment, and raw text ends only at its own end tag followed by whitespace, '/' or '>'.
/// </summary>
/// <remarks>
/// Raw text starts after every script, style, title, textarea, xmp, iframe, noembed, noframes and
/// noscript start tag (the sanitizer's parser runs with scripting on), and everything after
/// plaintext is text. Inside svg, math, select and template the parser reads some of these as
/// ordinary elements instead; <see cref="HtmlParseGuard.MaxTags"/> bounds what that can hide.
/// An unterminated tag ends the document, as it does for the tokenizer.
/// </remarks>
internal static class HtmlMarkupScanner
{
    private static readonly HashSet<string> RawTextElements =
        ["script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes", "noscript"];

    public static IEnumerable<HtmlMarkup> Scan(string html)
    {
        var index = 0;
        var textStart = 0;
        while (true)
        {
            var lt = html.IndexOf('<', index);
            if (lt < 0)
            {
                if (textStart < html.Length)
                {
                    yield return new HtmlMarkup(HtmlMarkupKind.Text, textStart, html.Length);
                }

                yield break;
            }

            if (lt > textStart)
            {
                yield return new HtmlMarkup(HtmlMarkupKind.Text, textStart, lt);
            }

            // A '<' that opens nothing is text, and starts the next run of text.
            textStart = lt;
            index = lt + 1;
            var next = At(html, lt + 1);
            if (char.IsAsciiLetter(next) || (next == '/' && char.IsAsciiLetter(At(html, lt + 2))))
            {
                var isEnd = next == '/';
                var tag = ReadTag(html, lt, isEnd ? lt + 2 : lt + 1, isEnd);
                if (tag is not { } markup)
                {
                    yield break; // The tokenizer drops a tag cut off by the end of the document.
                }

                yield return markup;
                index = textStart = markup.End;
                if (isEnd)
                {
                    continue;
                }

                if (markup.Name == "plaintext")
                {
                    if (markup.End < html.Length)
                    {
                        yield return new HtmlMarkup(HtmlMarkupKind.Text, markup.End, html.Length);
                    }

                    yield break;
                }

                if (RawTextElements.Contains(markup.Name))
                {
                    var rawText = ReadRawText(html, markup.End, markup.Name);
                    yield return rawText;
                    if (rawText.End == html.Length)
                    {
                        yield break;
                    }

                    index = textStart = rawText.End;
                }

                continue;
            }

            int end;
            if (next == '/')
            {
                var afterSlash = At(html, lt + 2);
                if (afterSlash == '\uffff' && lt + 2 >= html.Length)
                {
                    continue; // "</" at the end is text.
                }

                if (afterSlash == '>')
                {
                    index = textStart = lt + 3; // "</>" is dropped.
                    continue;
                }

                end = EndOfBogusComment(html, lt + 2);
            }
            else if (next == '!')
            {
                end = string.CompareOrdinal(html, lt + 2, "--", 0, 2) == 0
                    ? EndOfComment(html, lt + 4)
                    : EndOfBogusComment(html, lt + 2); // DOCTYPE and CDATA (outside foreign content) end at '>' too.
            }
            else if (next == '?')
            {
                end = EndOfBogusComment(html, lt + 2);
            }
            else
            {
                continue;
            }

            yield return new HtmlMarkup(HtmlMarkupKind.Comment, lt, end);
            index = textStart = end;
        }
    }

    /// <summary>
    /// The attributes of a tag in the order written: name (ASCII folded), value. Values are as
    /// written: character references are not decoded, and a repeated name is kept.
    /// </summary>
    public static List<KeyValuePair<string, string>> ReadAttributes(string html, HtmlMarkup tag)
    {
        var attributes = new List<KeyValuePair<string, string>>();
        var index = tag.AttributesStart;
        while (index < tag.AttributesEnd)
        {
            while (index < tag.AttributesEnd && (IsSpace(html[index]) || html[index] == '/'))
            {
                index++;
            }

            if (index >= tag.AttributesEnd)
            {
                break;
            }

            // The first character of a name may be anything, '=' and quotes included.
            var name = new StringBuilder().Append(Fold(html[index++]));
            while (index < tag.AttributesEnd && html[index] is not ('=' or '/') && !IsSpace(html[index]))
            {
                name.Append(Fold(html[index++]));
            }

            while (index < tag.AttributesEnd && IsSpace(html[index]))
            {
                index++;
            }

            var value = "";
            if (index < tag.AttributesEnd && html[index] == '=')
            {
                index++;
                while (index < tag.AttributesEnd && IsSpace(html[index]))
                {
                    index++;
                }

                if (index < tag.AttributesEnd && html[index] is '"' or '\'')
                {
                    var quote = html[index++];
                    var close = html.IndexOf(quote, index);
                    value = html[index..close];
                    index = close + 1;
                }
                else
                {
                    var start = index;
                    while (index < tag.AttributesEnd && !IsSpace(html[index]))
                    {
                        index++;
                    }

                    value = html[start..index];
                }
            }

            attributes.Add(new KeyValuePair<string, string>(name.ToString(), value));
        }

        return attributes;
    }

    private static char At(string html, int index) => index < html.Length ? html[index] : '\uffff';

    // The tokenizer's whitespace: CR too, as the input stream turns it into LF.
    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\f';

    private static char Fold(char c) => c == '\0' ? '\uFFFD' : char.IsAsciiLetterUpper(c) ? (char)(c | 0x20) : c;

    /// <summary>
    /// Reads the tag at <paramref name="start"/> whose name begins at <paramref name="nameStart"/>:
    /// tag name state, then the attribute states, to the '>' that ends it; null at the end of input.
    /// </summary>
    private static HtmlMarkup? ReadTag(string html, int start, int nameStart, bool isEnd)
    {
        var name = new StringBuilder();
        var index = nameStart;
        while (index < html.Length && html[index] != '>' && html[index] != '/' && !IsSpace(html[index]))
        {
            name.Append(Fold(html[index++]));
        }

        var attributesStart = index;
        var selfClosing = false;
        var state = AttributeState.BeforeName;
        var quote = '"';
        while (index < html.Length)
        {
            var c = html[index];
            switch (state)
            {
                case AttributeState.BeforeName:
                case AttributeState.AfterName:
                    if (IsSpace(c))
                    {
                        break;
                    }

                    if (c == '>')
                    {
                        return Tag(index);
                    }

                    state = c == '/' ? AttributeState.SelfClose
                        : c == '=' && state == AttributeState.AfterName ? AttributeState.BeforeValue
                        : AttributeState.Name;
                    break;
                case AttributeState.Name:
                    if (c == '>')
                    {
                        return Tag(index);
                    }

                    state = c == '=' ? AttributeState.BeforeValue
                        : c == '/' ? AttributeState.SelfClose
                        : IsSpace(c) ? AttributeState.AfterName
                        : AttributeState.Name;
                    break;
                case AttributeState.BeforeValue:
                    if (IsSpace(c))
                    {
                        break;
                    }

                    if (c == '>')
                    {
                        return Tag(index);
                    }

                    (state, quote) = c is '"' or '\'' ? (AttributeState.QuotedValue, c) : (AttributeState.UnquotedValue, quote);
                    break;
                case AttributeState.QuotedValue:
                    var close = html.IndexOf(quote, index);
                    if (close < 0)
                    {
                        return null;
                    }

                    index = close;
                    state = AttributeState.AfterValue;
                    break;
                case AttributeState.UnquotedValue:
                    if (c == '>')
                    {
                        return Tag(index);
                    }

                    state = IsSpace(c) ? AttributeState.BeforeName : AttributeState.UnquotedValue;
                    break;
                case AttributeState.AfterValue:
                    if (c == '>')
                    {
                        return Tag(index);
                    }

                    if (c == '/')
                    {
                        state = AttributeState.SelfClose;
                        break;
                    }

                    state = AttributeState.BeforeName;
                    continue; // Reconsumed.
                case AttributeState.SelfClose:
                    if (c == '>')
                    {
                        selfClosing = true;
                        return Tag(index);
                    }

                    if (c == '/')
                    {
                        break;
                    }

                    state = AttributeState.BeforeName;
                    continue; // Reconsumed.
            }

            index++;
        }

        return null;

        HtmlMarkup Tag(int gt) => new(
            isEnd ? HtmlMarkupKind.EndTag : HtmlMarkupKind.StartTag,
            start,
            gt + 1,
            name.ToString(),
            selfClosing,
            attributesStart,
            gt);
    }

    /// <summary>
    /// The raw text after the start tag of <paramref name="name"/>, up to and including the end tag
    /// that ends it: "&lt;/" and the name in any case, then whitespace, '/' or '>'.
    /// </summary>
    private static HtmlMarkup ReadRawText(string html, int start, string name)
    {
        var index = start;
        while (true)
        {
            var candidate = html.IndexOf("</", index, StringComparison.Ordinal);
            if (candidate < 0)
            {
                return new HtmlMarkup(HtmlMarkupKind.RawText, start, html.Length);
            }

            var nameEnd = candidate + 2 + name.Length;
            if (nameEnd < html.Length
                && html.AsSpan(candidate + 2, name.Length).Equals(name, StringComparison.OrdinalIgnoreCase)
                && IsAsciiName(html.AsSpan(candidate + 2, name.Length))
                && (IsSpace(html[nameEnd]) || html[nameEnd] is '/' or '>'))
            {
                var kind = name == "script" && html.AsSpan(start, candidate - start).Contains("<!--", StringComparison.Ordinal)
                    ? HtmlMarkupKind.Ambiguous
                    : HtmlMarkupKind.RawText;
                var endTag = ReadTag(html, candidate, candidate + 2, isEnd: true);
                return new HtmlMarkup(kind, start, endTag?.End ?? html.Length);
            }

            index = candidate + 2;
        }
    }

    // OrdinalIgnoreCase folds more than ASCII; the tokenizer folds ASCII only.
    private static bool IsAsciiName(ReadOnlySpan<char> name)
    {
        foreach (var c in name)
        {
            if (!char.IsAsciiLetter(c))
            {
                return false;
            }
        }

        return true;
    }

    private static int EndOfBogusComment(string html, int from) =>
        html.IndexOf('>', Math.Min(from, html.Length)) is var gt and >= 0 ? gt + 1 : html.Length;

    /// <summary>The comment states, from just after "&lt;!--": "--&gt;" or "--!&gt;" ends it, and so do "&lt;!--&gt;" and "&lt;!---&gt;".</summary>
    private static int EndOfComment(string html, int from)
    {
        var index = from;
        if (At(html, index) == '>')
        {
            return index + 1;
        }

        if (At(html, index) == '-' && At(html, index + 1) == '>')
        {
            return index + 2;
        }

        var dashes = 0;
        for (; index < html.Length; index++)
        {
            var c = html[index];
            if (c == '>' && dashes >= 2)
            {
                return index + 1;
            }

            if (c == '!' && dashes >= 2 && At(html, index + 1) == '>')
            {
                return index + 2;
            }

            dashes = c == '-' ? dashes + 1 : 0;
        }

        return html.Length;
    }

    private enum AttributeState
    {
        BeforeName,
        Name,
        AfterName,
        BeforeValue,
        QuotedValue,
        UnquotedValue,
        AfterValue,
        SelfClose,
    }
}
