using System.Buffers;
using System.Text;

namespace ChitBox.Tests.SmtpIngress;

/// <summary>Builds <see cref="ReadOnlySequence{T}"/> values split into several segments.</summary>
internal static class Sequences
{
    public static ReadOnlySequence<byte> Of(string text) => new(Encoding.UTF8.GetBytes(text));

    /// <summary>Splits <paramref name="data"/> at the given offsets (ascending).</summary>
    public static ReadOnlySequence<byte> Split(ReadOnlyMemory<byte> data, params int[] offsets)
    {
        var cuts = offsets.Where(o => o > 0 && o < data.Length).Distinct().Order().ToList();
        if (cuts.Count == 0)
        {
            return new ReadOnlySequence<byte>(data);
        }

        var pieces = new List<ReadOnlyMemory<byte>>();
        var start = 0;
        foreach (var cut in cuts.Append(data.Length))
        {
            // Copy each piece so segments never share an array (as pipes behave).
            pieces.Add(data[start..cut].ToArray());
            start = cut;
        }

        return FromPieces(pieces);
    }

    /// <summary>One segment per byte.</summary>
    public static ReadOnlySequence<byte> PerByte(ReadOnlyMemory<byte> data) =>
        Split(data, Enumerable.Range(1, Math.Max(0, data.Length - 1)).ToArray());

    private static ReadOnlySequence<byte> FromPieces(IReadOnlyList<ReadOnlyMemory<byte>> pieces)
    {
        var first = new Segment(pieces[0], 0);
        var last = first;
        foreach (var piece in pieces.Skip(1))
        {
            last = last.Append(piece);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
