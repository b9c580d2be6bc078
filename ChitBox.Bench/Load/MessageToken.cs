using System.Globalization;

namespace ChitBox.Bench.Load;

/// <summary>
/// Names one message of a run: <c>b{run:8 hex}-{cell:3}-{sequence:8}</c>, fixed width,
/// carried in Subject and Message-ID so the database check and the SignalR listener can
/// find each message.
/// </summary>
public readonly record struct MessageToken(string RunId, int Cell, int Sequence)
{
    public const int Length = 22;

    public static string NewRunId() => Random.Shared.Next().ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>What every token of a run starts with, for <c>LIKE</c> in the database.</summary>
    public static string RunPrefix(string runId) => $"b{runId}-";

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"b{RunId}-{Cell:D3}-{Sequence:D8}");

    /// <summary>Writes the token's ASCII into <paramref name="destination"/> without allocating.</summary>
    public void Write(Span<byte> destination)
    {
        destination[0] = (byte)'b';
        for (var i = 0; i < 8; i++)
        {
            destination[1 + i] = (byte)RunId[i];
        }

        destination[9] = (byte)'-';
        WriteDigits(destination.Slice(10, 3), Cell);
        destination[13] = (byte)'-';
        WriteDigits(destination.Slice(14, 8), Sequence);
    }

    private static void WriteDigits(Span<byte> destination, int value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }

    public static bool TryParse(string? text, out MessageToken token)
    {
        token = default;
        if (text is null || text.Length != Length || text[0] != 'b' || text[9] != '-' || text[13] != '-'
            || !int.TryParse(text.AsSpan(10, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var cell)
            || !int.TryParse(text.AsSpan(14, 8), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return false;
        }

        token = new MessageToken(text.Substring(1, 8), cell, sequence);
        return true;
    }
}
