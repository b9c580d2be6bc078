using System.Collections.Concurrent;
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

    private readonly ConcurrentDictionary<int, Encoding?> _byCodePage = new();
    private readonly ConcurrentDictionary<string, Encoding?> _byName = new(StringComparer.OrdinalIgnoreCase);

    public override Encoding? GetEncoding(int codepage) =>
        Remember(_byCodePage, codepage, inner.GetEncoding);

    public override Encoding? GetEncoding(string name) =>
        Remember(_byName, name, inner.GetEncoding);

    public override IEnumerable<EncodingInfo> GetEncodings() => inner.GetEncodings();

    private static Encoding? Remember<TKey>(ConcurrentDictionary<TKey, Encoding?> answers, TKey key, Func<TKey, Encoding?> ask)
        where TKey : notnull
    {
        if (answers.TryGetValue(key, out var encoding))
        {
            return encoding;
        }

        encoding = ask(key);
        if (answers.Count < MaxRemembered)
        {
            answers.TryAdd(key, encoding);
        }

        return encoding;
    }
}
