using System.Text.RegularExpressions;
using AngleSharp.Dom;
using Ganss.Xss;

namespace ChitBox.Api.Messages;

/// <summary>
/// Makes a message's HTML safe to show: no scripts, event handlers, javascript: URLs,
/// forms, or loads from the network (tracking pixels, remote CSS). <c>cid:</c> images
/// (parts of the message itself) stay; links stay and open in a new context.
/// The raw message keeps the original.
/// </summary>
public sealed partial class HtmlBodySanitizer
{
    private static readonly string[] FormTags = ["form", "input", "button", "select", "option", "optgroup", "textarea", "fieldset", "legend", "datalist", "output"];
    private static readonly string[] LoadingAttributes = ["src", "srcset", "background", "poster", "dynsrc", "lowsrc", "action", "formaction", "data", "longdesc", "usemap"];
    private static readonly string[] LinkSchemes = ["http", "https", "mailto"];

    private readonly HtmlSanitizer _sanitizer;

    public HtmlBodySanitizer()
    {
        _sanitizer = new HtmlSanitizer();
        foreach (var tag in FormTags)
        {
            _sanitizer.AllowedTags.Remove(tag);
        }

        foreach (var attribute in new[] { "srcset", "poster", "action", "formaction", "longdesc", "usemap" })
        {
            _sanitizer.AllowedAttributes.Remove(attribute);
        }

        _sanitizer.AllowedSchemes.Add("mailto");
        _sanitizer.AllowedSchemes.Add("cid");
        _sanitizer.FilterUrl += (_, e) => e.SanitizedUrl = FilterUrl(e.Tag, e.OriginalUrl, e.SanitizedUrl);
        _sanitizer.PostProcessDom += (_, e) => PostProcess(e.Document.Body);
    }

    /// <summary>
    /// The safe form of <paramref name="html"/>; null stays null. HTML too large or too deeply
    /// nested to parse in bounded time (<see cref="HtmlParseGuard"/>) is served as its text,
    /// encoded inside <c>&lt;pre&gt;</c>: still readable, safe by construction, made without a
    /// parser. The raw message keeps the original.
    /// </summary>
    public string? Sanitize(string? html)
    {
        if (string.IsNullOrEmpty(html))
        {
            return html;
        }

        return HtmlParseGuard.IsSafeToParse(html) ? _sanitizer.Sanitize(html) : HtmlParseGuard.ToPreformattedText(html);
    }

    // Called for attribute URLs and CSS url() alike: only cid: parts, and links that are
    // the element's own href, survive. Anything else would load from the network.
    private static string? FilterUrl(IElement element, string original, string? sanitized)
    {
        if (sanitized is null)
        {
            return null;
        }

        if (original.TrimStart().StartsWith("cid:", StringComparison.OrdinalIgnoreCase))
        {
            return sanitized;
        }

        var isLink = element.LocalName is "a" or "area"
            && string.Equals(element.GetAttribute("href")?.Trim(), original.Trim(), StringComparison.Ordinal)
            && Uri.TryCreate(sanitized, UriKind.Absolute, out var uri)
            && LinkSchemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase);
        return isLink ? sanitized : null;
    }

    private static void PostProcess(IElement? body)
    {
        if (body is null)
        {
            return;
        }

        foreach (var element in body.QuerySelectorAll("*"))
        {
            foreach (var attribute in LoadingAttributes)
            {
                var value = element.GetAttribute(attribute);
                if (value is not null && !value.TrimStart().StartsWith("cid:", StringComparison.OrdinalIgnoreCase))
                {
                    element.RemoveAttribute(attribute);
                }
            }

            var style = element.GetAttribute("style");
            if (style is not null && LoadsFromNetwork(style))
            {
                element.RemoveAttribute("style");
            }

            if (element.LocalName is "a" or "area" && element.HasAttribute("href"))
            {
                element.SetAttribute("target", "_blank");
                element.SetAttribute("rel", "noopener noreferrer nofollow");
            }
        }
    }

    /// <summary>
    /// Whether a style calls a CSS function that fetches: url() to anything but a cid: part, or
    /// image-set(), image(), cross-fade() or src(), which take a plain string as a URL (browsers
    /// fetch <c>image-set("https://...")</c>).
    /// </summary>
    private static bool LoadsFromNetwork(string style)
    {
        for (var open = style.IndexOf('('); open >= 0; open = style.IndexOf('(', open + 1))
        {
            var start = open;
            while (start > 0 && (char.IsAsciiLetterOrDigit(style[start - 1]) || style[start - 1] is '-' or '_' or '\\'))
            {
                start--;
            }

            // A name written with escapes could be any of them.
            var function = VendorPrefix().Replace(style[start..open], "").ToLowerInvariant();
            if (function is "image-set" or "image" or "cross-fade" or "src" || function.Contains('\\'))
            {
                return true;
            }

            var argument = style.AsSpan(open + 1).TrimStart().TrimStart("\"'").TrimStart();
            if (function == "url" && !argument.StartsWith("cid:", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex("^-[a-z]+-", RegexOptions.IgnoreCase)]
    private static partial Regex VendorPrefix();
}
