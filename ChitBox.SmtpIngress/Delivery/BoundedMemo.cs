using System.Collections.Concurrent;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>
/// Remembers answers to lookups keyed by what mail says (charset names, code pages). Only
/// so many are kept: past that, lookups are answered but not remembered, so hostile mail
/// cannot grow it.
/// </summary>
internal sealed class BoundedMemo<TKey, TValue>(int capacity, IEqualityComparer<TKey>? comparer = null)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> _answers = new(comparer);

    public TValue GetOrAdd<TState>(TKey key, Func<TKey, TState, TValue> answer, TState state)
    {
        if (_answers.TryGetValue(key, out var value))
        {
            return value;
        }

        value = answer(key, state);
        if (_answers.Count < capacity)
        {
            _answers.TryAdd(key, value);
        }

        return value;
    }
}
