namespace ChitBox.Api;

/// <summary>
/// The rules for text a client sends that reaches PostgreSQL as a query parameter. A
/// PostgreSQL text value cannot hold NUL (U+0000): a parameter with one fails the statement
/// (22021), which answered 500, and with auto-prepared statements it could leave the pooled
/// connection out of step for the next request. Handlers check text here before any query
/// sees it. (System.Text.Json already refuses lone surrogates, which have no UTF-8 form.)
/// </summary>
public static class ClientText
{
    /// <summary>True when PostgreSQL can take the text as a parameter: it holds no NUL.</summary>
    public static bool IsStorable(string text) => !text.Contains('\0');

    /// <summary>
    /// True when the text holds a control character (C0, DEL or C1, NUL among them): never
    /// meant in a name or an address shown on one line.
    /// </summary>
    public static bool HasControlCharacters(string text) => text.Any(char.IsControl);
}
