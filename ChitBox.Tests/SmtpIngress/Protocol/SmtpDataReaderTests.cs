using System.Buffers;
using System.Text;
using ChitBox.SmtpIngress.Protocol;

namespace ChitBox.Tests.SmtpIngress.Protocol;

public sealed class SmtpDataReaderTests
{
    private const long NoLimit = long.MaxValue;

    [Theory]
    [InlineData("Hello\r\n.\r\n", "Hello\r\n")]
    [InlineData(".\r\n", "")]
    [InlineData("\r\n.\r\n", "\r\n")]
    [InlineData("Subject: x\r\n\r\nbody\r\n.\r\n", "Subject: x\r\n\r\nbody\r\n")]
    [InlineData("..leading dot\r\n.\r\n", ".leading dot\r\n")]
    [InlineData("a\r\n..\r\n.\r\n", "a\r\n.\r\n")]
    [InlineData("a\r\n...\r\n.\r\n", "a\r\n..\r\n")]
    [InlineData("a\r\n.b\r\n.\r\n", "a\r\nb\r\n")]
    [InlineData("a.\r\n.b.\r\n.\r\n", "a.\r\nb.\r\n")]
    [InlineData("no dot. in. middle\r\n.\r\n", "no dot. in. middle\r\n")]
    public void Data_is_unstuffed_and_ends_at_crlf_dot_crlf(string wire, string message)
    {
        var (output, consumed, reader) = ReadAll(Encoding.UTF8.GetBytes(wire), NoLimit);

        Assert.True(reader.IsComplete);
        Assert.Equal(message, output);
        Assert.Equal(Encoding.UTF8.GetByteCount(wire), consumed);
        Assert.Equal(Encoding.UTF8.GetByteCount(message), reader.Length);
    }

    [Fact]
    public void End_of_data_is_found_wherever_the_input_is_split()
    {
        const string wire = "Subject: hi\r\n\r\n..dots\r\nbody\r\n.\r\nQUIT\r\n";
        const string message = "Subject: hi\r\n\r\n.dots\r\nbody\r\n";
        var bytes = Encoding.ASCII.GetBytes(wire);
        var end = wire.IndexOf("QUIT", StringComparison.Ordinal);

        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            // One sequence of two segments.
            var (output, consumed, reader) = ReadAll(bytes, NoLimit, Sequences.Split(bytes, cut));
            Assert.True(reader.IsComplete, $"cut at {cut}");
            Assert.Equal(message, output);
            Assert.Equal(end, consumed);

            // Two separate reads, as two network packets.
            (output, consumed, reader) = ReadInCalls(bytes, NoLimit, [cut]);
            Assert.True(reader.IsComplete, $"calls cut at {cut}");
            Assert.Equal(message, output);
            Assert.Equal(end, consumed);
        }
    }

    [Fact]
    public void End_of_data_is_found_when_every_byte_arrives_alone()
    {
        var bytes = "a\r\n..b\r\n\r\n.\r\nNOOP\r\n"u8.ToArray();

        var (output, consumed, reader) = ReadInCalls(bytes, NoLimit, [.. Enumerable.Range(1, bytes.Length)]);

        Assert.True(reader.IsComplete);
        Assert.Equal("a\r\n.b\r\n\r\n", output);
        Assert.Equal(bytes.Length - "NOOP\r\n".Length, consumed);
    }

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\n.\r\n")]
    [InlineData("\r.\r")]
    [InlineData("\r.\r\n")]
    [InlineData("\r\n.\n")]
    [InlineData("\r\n.\r")]
    [InlineData("\r\n.\rX")]
    [InlineData("\n.\r")]
    [InlineData("\r\r\n.\n")]
    public void Bare_cr_or_lf_around_a_dot_never_ends_the_data(string smuggle)
    {
        var wire = "Subject: a\r\n\r\nfirst" + smuggle + "MAIL FROM:<evil@example.com>\r\nRCPT TO:<bob@chitbox.local>\r\nDATA\r\nsmuggled\r\n.\r\nQUIT\r\n";
        var bytes = Encoding.ASCII.GetBytes(wire);
        var realEnd = wire.LastIndexOf("\r\n.\r\n", StringComparison.Ordinal) + 5;

        var (output, consumed, reader) = ReadAll(bytes, NoLimit);

        Assert.True(reader.IsComplete);
        Assert.Equal(realEnd, consumed);
        Assert.Contains("MAIL FROM:<evil@example.com>", output, StringComparison.Ordinal);
        Assert.EndsWith("smuggled\r\n", output, StringComparison.Ordinal);

        // The same at every split point.
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var (split, splitConsumed, _) = ReadInCalls(bytes, NoLimit, [cut]);
            Assert.Equal(output, split);
            Assert.Equal(realEnd, splitConsumed);
        }
    }

    [Theory]
    [InlineData("x\n.\ny", "x\n.\ny")]
    [InlineData("x\r.\ry", "x\r.\ry")]
    [InlineData("x\r\n.\ny", "x\r\n\ny")]
    [InlineData("x\r\n.\ry", "x\r\n\ry")]
    [InlineData("x\r\n.\r\ry", "x\r\n\r\ry")]
    public void Smuggling_bytes_are_kept_as_message_data(string inside, string expected)
    {
        var (output, _, reader) = ReadAll(Encoding.ASCII.GetBytes(inside + "\r\n.\r\n"), NoLimit);

        Assert.True(reader.IsComplete);
        Assert.Equal(expected + "\r\n", output);
    }

    [Fact]
    public void Incomplete_data_consumes_everything_and_waits()
    {
        var reader = new SmtpDataReader(NoLimit, 0);
        var output = new ArrayBufferWriter<byte>();
        var input = Sequences.Of("partial\r\n.");

        var position = reader.Read(input, output);

        Assert.False(reader.IsComplete);
        Assert.Equal(input.End, position);
        Assert.Equal("partial\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Message_at_the_limit_is_not_too_big()
    {
        var (output, _, reader) = ReadAll("12345678\r\n.\r\n"u8.ToArray(), maxSize: 10);

        Assert.False(reader.IsTooBig);
        Assert.Equal("12345678\r\n", output);
    }

    [Fact]
    public void Message_over_the_limit_is_consumed_to_its_end_and_flagged()
    {
        var body = string.Concat(Enumerable.Repeat("0123456789\r\n", 100));
        var bytes = Encoding.ASCII.GetBytes(body + ".\r\nQUIT\r\n");

        var (output, consumed, reader) = ReadInCalls(bytes, 100, [7, 50, 333, 900]);

        Assert.True(reader.IsComplete);
        Assert.True(reader.IsTooBig);
        Assert.Equal(body.Length + 3, consumed);
        Assert.True(output.Length <= 100, "nothing past the limit is written");
        Assert.Equal(body.Length, reader.Length);
    }

    [Fact]
    public void Long_line_is_flagged_but_the_data_still_streams()
    {
        var longLine = new string('x', 2000);
        var (output, _, reader) = ReadAll(Encoding.ASCII.GetBytes($"short\r\n{longLine}\r\n.\r\n"), NoLimit, maxLine: 1000);

        Assert.True(reader.IsComplete);
        Assert.True(reader.HasLineTooLong);
        Assert.Equal($"short\r\n{longLine}\r\n", output);
    }

    [Fact]
    public void Line_of_exactly_the_limit_is_accepted()
    {
        var line = new string('x', 998);
        var (_, _, reader) = ReadAll(Encoding.ASCII.GetBytes($"{line}\r\n{line}\r\n.\r\n"), NoLimit, maxLine: 1000);

        Assert.False(reader.HasLineTooLong);
    }

    [Theory]
    [InlineData(998, false)]
    [InlineData(999, true)]
    public void A_line_split_anywhere_is_measured_whole(int lineLength, bool tooLong)
    {
        var bytes = Encoding.ASCII.GetBytes($"{new string('x', lineLength)}\r\nshort\r\n.\r\n");
        for (var cut = 1; cut < bytes.Length; cut += 37)
        {
            var (_, _, reader) = ReadInCalls(bytes, NoLimit, [cut], maxLine: 1000);

            Assert.True(reader.IsComplete);
            Assert.Equal(tooLong, reader.HasLineTooLong);
        }
    }

    [Fact]
    public void Reading_after_the_end_consumes_nothing()
    {
        var reader = new SmtpDataReader(NoLimit, 0);
        var output = new ArrayBufferWriter<byte>();
        reader.Read(Sequences.Of(".\r\n"), output);

        var more = Sequences.Of("NOOP\r\n");
        Assert.Equal(more.Start, reader.Read(more, output));
    }

    private static (string Output, long Consumed, SmtpDataReader Reader) ReadAll(
        byte[] bytes, long maxSize, ReadOnlySequence<byte>? input = null, int maxLine = 0)
    {
        var reader = new SmtpDataReader(maxSize, maxLine);
        var output = new ArrayBufferWriter<byte>();
        var sequence = input ?? new ReadOnlySequence<byte>(bytes);
        var position = reader.Read(sequence, output);
        return (Encoding.UTF8.GetString(output.WrittenSpan), sequence.Slice(0, position).Length, reader);
    }

    /// <summary>Feeds the bytes in several Read calls, cut at the given offsets, like a session would.</summary>
    private static (string Output, long Consumed, SmtpDataReader Reader) ReadInCalls(byte[] bytes, long maxSize, int[] cuts, int maxLine = 0)
    {
        var reader = new SmtpDataReader(maxSize, maxLine);
        var output = new ArrayBufferWriter<byte>();
        long consumed = 0;
        var start = 0;
        foreach (var cut in cuts.Where(c => c <= bytes.Length).Append(bytes.Length))
        {
            if (cut < start)
            {
                continue;
            }

            var chunk = new ReadOnlySequence<byte>(bytes, start, cut - start);
            var position = reader.Read(chunk, output);
            consumed += chunk.Slice(0, position).Length;
            start = cut;
            if (reader.IsComplete)
            {
                break;
            }
        }

        return (Encoding.UTF8.GetString(output.WrittenSpan), consumed, reader);
    }
}
