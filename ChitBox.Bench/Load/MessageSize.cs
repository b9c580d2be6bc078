using System.Globalization;

namespace ChitBox.Bench.Load;

/// <summary>A message size as written on the command line: <c>2k</c>, <c>64k</c>, <c>1m</c>, <c>25m</c> (binary units).</summary>
public readonly record struct MessageSize(long Bytes)
{
    public static MessageSize Parse(string text)
    {
        var value = text.Trim().ToLowerInvariant();
        long unit = 1;
        if (value.EndsWith("kb") || value.EndsWith("mb"))
        {
            value = value[..^1];
        }

        if (value.EndsWith('k'))
        {
            unit = 1024;
            value = value[..^1];
        }
        else if (value.EndsWith('m'))
        {
            unit = 1024 * 1024;
            value = value[..^1];
        }

        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number <= 0)
        {
            throw new FormatException($"'{text}' is not a message size (examples: 2k, 64k, 1m, 25m).");
        }

        return new MessageSize(number * unit);
    }

    public override string ToString() =>
        Bytes % (1024 * 1024) == 0 ? $"{Bytes / (1024 * 1024)} MB"
        : Bytes % 1024 == 0 ? $"{Bytes / 1024} KB"
        : $"{Bytes} B";
}
