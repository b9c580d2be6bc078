using System.Text;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>
/// Remembers what another provider answers for each code page. MimeKit asks
/// <see cref="Encoding.GetEncoding(int)"/> for every address it parses, and every such call
/// consults the registered providers first: the code-pages provider then searches its
/// tables, even for UTF-8, which it does not provide. Code pages and charset names come
/// from the mail, so only so many answers are kept.
/// </summary>
public sealed class CachingEncodingProvider(EncodingProvider inner) : EncodingProvider
{
    private const int MaxRemembered = 512;

    private readonly BoundedMemo<int, Encoding?> _byCodePage = new(MaxRemembered);
    private readonly BoundedMemo<string, Encoding?> _byName = new(MaxRemembered, StringComparer.OrdinalIgnoreCase);

    public override Encoding? GetEncoding(int codepage) =>
        _byCodePage.GetOrAdd(codepage, static (page, provider) => provider.GetEncoding(page), inner);

    public override Encoding? GetEncoding(string name) =>
        _byName.GetOrAdd(name, static (charset, provider) => provider.GetEncoding(charset), inner);

    public override IEnumerable<EncodingInfo> GetEncodings() => inner.GetEncodings();
}
