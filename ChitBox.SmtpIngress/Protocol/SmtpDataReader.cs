using System.Buffers;

namespace ChitBox.SmtpIngress.Protocol;

/// <summary>
/// Decodes the DATA stream (RFC 5321 4.1.1.4, 4.5.2) incrementally: input may be split
/// anywhere, including inside the terminating <c>CRLF . CRLF</c>. Undoes dot-stuffing and
/// writes the message octets to an <see cref="IBufferWriter{T}"/>.
/// </summary>
/// <remarks>
/// <para>The end of data is recognised only at <c>CRLF "." CRLF</c>, where the first CRLF
/// belongs to the message and the very start of the data counts as following a CRLF.
/// A bare LF or bare CR never ends the data and never starts a line (no SMTP smuggling):
/// <c>LF . LF</c>, <c>LF . CRLF</c>, <c>CRLF . LF</c>, <c>CR . CR</c>, <c>CRLF . CR x</c>
/// and the like are kept as message octets. A leading dot on a real line (after CRLF)
/// followed by anything but CRLF is removed, as dot-stuffing says.</para>
/// <para>The size limit is enforced while the data streams in: once exceeded, nothing more
/// is written but the input is still consumed to the real end, so the session can answer
/// 552 and stay in step with the client. Lines longer than the text-line limit are
/// reported the same way (the octets still stream; no line is ever buffered).</para>
/// </remarks>
public sealed class SmtpDataReader
{
    private static readonly byte[] CarriageReturn = [(byte)'\r'];

    private readonly long _maxMessageSize;
    private readonly long _maxLineLength;
    private State _state = State.LineStart;
    private long _lineLength;

    /// <param name="maxMessageSize">Octets of message (after unstuffing) allowed.</param>
    /// <param name="maxLineLength">Octets allowed in one line, counting its line ending; 0 for no limit.</param>
    public SmtpDataReader(long maxMessageSize, int maxLineLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxMessageSize);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLineLength);
        _maxMessageSize = maxMessageSize;
        _maxLineLength = maxLineLength == 0 ? long.MaxValue : maxLineLength;
    }

    private enum State
    {
        /// <summary>At the start of the data or just after CRLF.</summary>
        LineStart,

        /// <summary>Inside a line.</summary>
        Text,

        /// <summary>After a CR inside a line (which might be the start of CRLF).</summary>
        CarriageReturn,

        /// <summary>After a dot at a line start; the dot is withheld.</summary>
        Dot,

        /// <summary>After "." CR at a line start; both are withheld until the next octet.</summary>
        DotCarriageReturn,

        /// <summary>CRLF . CRLF seen.</summary>
        Complete,
    }

    /// <summary>Message octets seen so far (after unstuffing), including any past the limit.</summary>
    public long Length { get; private set; }

    public bool IsComplete => _state == State.Complete;

    /// <summary>The message is over the size limit; its octets stopped being written.</summary>
    public bool IsTooBig => Length > _maxMessageSize;

    /// <summary>Some line was over the text-line limit.</summary>
    public bool HasLineTooLong { get; private set; }

    /// <summary>
    /// Consumes <paramref name="input"/> up to and including the end-of-data marker, writing
    /// message octets to <paramref name="output"/>.
    /// </summary>
    /// <returns>The position after the last octet consumed: <c>input.End</c> unless the end was found.</returns>
    public SequencePosition Read(in ReadOnlySequence<byte> input, IBufferWriter<byte> output)
    {
        if (_state == State.Complete)
        {
            return input.Start;
        }

        long consumed = 0;
        foreach (var memory in input)
        {
            var span = memory.Span;
            var used = ReadSpan(span, output);
            consumed += used;
            if (_state == State.Complete)
            {
                return input.GetPosition(consumed);
            }
        }

        return input.End;
    }

    /// <summary>Runs the state machine over one span; returns octets consumed.</summary>
    private int ReadSpan(ReadOnlySpan<byte> span, IBufferWriter<byte> output)
    {
        // Octets from runStart to the current index are message data not yet written.
        var runStart = 0;
        for (var i = 0; i < span.Length; i++)
        {
            if (_state == State.Text)
            {
                // Inside a line only CR and LF change anything: skip to the next at vector speed.
                var next = span[i..].IndexOfAny((byte)'\r', (byte)'\n');
                var text = next < 0 ? span.Length - i : next;
                _lineLength += text;
                HasLineTooLong |= _lineLength > _maxLineLength;
                i += text;
                if (i == span.Length)
                {
                    break;
                }
            }

            var b = span[i];
            switch (_state)
            {
                case State.LineStart:
                    if (b == (byte)'.')
                    {
                        Emit(span[runStart..i], output);
                        runStart = i + 1;
                        _state = State.Dot;
                    }
                    else
                    {
                        Advance(b);
                    }

                    break;

                case State.Dot:
                    if (b == (byte)'\r')
                    {
                        runStart = i + 1;
                        _state = State.DotCarriageReturn;
                    }
                    else
                    {
                        // Dot-stuffing: the leading dot is dropped, the octet is data.
                        Advance(b);
                    }

                    break;

                case State.DotCarriageReturn:
                    if (b == (byte)'\n')
                    {
                        _state = State.Complete;
                        return i + 1;
                    }

                    // "." CR x: not the end. The dot goes (stuffing), the CR is data.
                    Emit(CarriageReturn, output);
                    _lineLength++;
                    _state = State.CarriageReturn;
                    Advance(b);
                    break;

                default:
                    Advance(b);
                    break;
            }
        }

        if (_state != State.Dot && _state != State.DotCarriageReturn)
        {
            Emit(span[runStart..], output);
        }

        return span.Length;
    }

    /// <summary>Transition for an octet that is message data (the caller writes it as part of the run).</summary>
    private void Advance(byte b)
    {
        _lineLength++;
        if (_lineLength > _maxLineLength)
        {
            HasLineTooLong = true;
        }

        _state = b switch
        {
            (byte)'\r' => State.CarriageReturn,
            (byte)'\n' when _state == State.CarriageReturn => State.LineStart,
            _ => State.Text,
        };

        if (b == (byte)'\n')
        {
            _lineLength = 0;
        }
    }

    private void Emit(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (data.IsEmpty)
        {
            return;
        }

        Length += data.Length;
        if (Length <= _maxMessageSize)
        {
            output.Write(data);
        }
    }
}
