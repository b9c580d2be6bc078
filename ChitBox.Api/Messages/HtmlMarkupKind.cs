namespace ChitBox.Api.Messages;

/// <summary>What the HTML tokenizer makes of a stretch of source (<see cref="HtmlMarkup"/>).</summary>
internal enum HtmlMarkupKind
{
    /// <summary>A run of text: the tokenizer ends one at every '&lt;'.</summary>
    Text,
    StartTag,
    EndTag,

    /// <summary>A comment, DOCTYPE, CDATA or processing instruction: no element, no text.</summary>
    Comment,

    /// <summary>The content of a script, style, title, textarea, ... element and its end tag.</summary>
    RawText,

    /// <summary>
    /// Script content, with its end tag, that opens an escape (<c>&lt;!--</c>): where the parser
    /// ends it then depends on the details of its script states, so it may end later than here.
    /// </summary>
    Ambiguous,
}
