namespace ChitBox.Api.Messages;

/// <summary>
/// One token of <see cref="HtmlMarkupScanner"/>: the stretch of source from <paramref name="Start"/>
/// to <paramref name="End"/> (exclusive). A tag carries its name as the HTML tokenizer reads it
/// (ASCII upper case folded, NUL replaced) and where its attributes are.
/// </summary>
internal readonly record struct HtmlMarkup(
    HtmlMarkupKind Kind,
    int Start,
    int End,
    string Name = "",
    bool IsSelfClosing = false,
    int AttributesStart = 0,
    int AttributesEnd = 0);
