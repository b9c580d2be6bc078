using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>
/// Holds one message's bytes while DATA or BDAT streams in: in memory up to a
/// threshold, then in a temporary file, so a large message never sits in the heap.
/// </summary>
/// <remarks>
/// Memory is held in pooled chunks of <see cref="ChunkSize"/> octets, never one big array.
/// Past the threshold everything moves to a temporary file opened with
/// <see cref="FileOptions.DeleteOnClose"/> (owner-only permissions on Unix), written
/// through one pooled buffer. Write, then <see cref="CompleteAsync"/>, then read with
/// <see cref="OpenRead"/> as often as needed; streams opened from it are invalid once
/// the spool is disposed. Not thread-safe.
/// </remarks>
public sealed class MessageSpool : IAsyncDisposable
{
    public const int DefaultMemoryThreshold = 256 * 1024;

    internal const int ChunkSize = 16 * 1024;
    private const int FileBufferSize = 64 * 1024;

    private readonly int _memoryThreshold;
    private readonly string _directory;
    private readonly List<byte[]> _chunks = [];
    private FileStream? _file;
    private byte[]? _fileBuffer;
    private int _fileBuffered;
    private long _fileWritten;
    private bool _completed;
    private bool _disposed;

    public MessageSpool()
        : this(DefaultMemoryThreshold)
    {
    }

    /// <param name="memoryThreshold">Octets kept in memory before moving to a temporary file.</param>
    /// <param name="directory">Where the temporary file goes; the system temp directory by default.</param>
    public MessageSpool(int memoryThreshold, string? directory = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(memoryThreshold);
        _memoryThreshold = memoryThreshold;
        _directory = directory ?? Path.GetTempPath();
    }

    /// <summary>Octets written so far.</summary>
    public long Length { get; private set; }

    /// <summary>True while the content is still held in memory.</summary>
    public bool IsInMemory => _file is null;

    /// <summary>Copies a whole stream into a new, completed spool (for tests and tools).</summary>
    public static async Task<MessageSpool> CreateAsync(Stream source, CancellationToken cancellationToken, int memoryThreshold = DefaultMemoryThreshold)
    {
        var spool = new MessageSpool(memoryThreshold);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await spool.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            await spool.CompleteAsync(cancellationToken);
            return spool;
        }
        catch
        {
            await spool.DisposeAsync();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Appends octets. The caller's memory is copied before this returns.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("The spool is complete; no more data can be written.");
        }

        if (data.IsEmpty)
        {
            return;
        }

        if (_file is null && Length + data.Length <= _memoryThreshold)
        {
            AppendToChunks(data.Span);
            Length += data.Length;
            return;
        }

        if (_file is null)
        {
            await MoveToFileAsync(cancellationToken);
        }

        await AppendToFileAsync(data, cancellationToken);
        Length += data.Length;
    }

    /// <summary>Marks the end of the data and makes everything readable.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            return;
        }

        await FlushFileBufferAsync(cancellationToken);
        if (_fileBuffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_fileBuffer);
            _fileBuffer = null;
        }

        _completed = true;
    }

    /// <summary>A seekable read stream over everything written, from the start. Call <see cref="CompleteAsync"/> first.</summary>
    public Stream OpenRead()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_completed)
        {
            throw new InvalidOperationException("Call CompleteAsync before reading the spool.");
        }

        return new SpoolReadStream(this);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        ReturnChunks();
        if (_fileBuffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_fileBuffer);
            _fileBuffer = null;
        }

        if (_file is not null)
        {
            await _file.DisposeAsync();
            _file = null;
        }
    }

    private void AppendToChunks(ReadOnlySpan<byte> data)
    {
        var position = Length;
        while (!data.IsEmpty)
        {
            var index = (int)(position / ChunkSize);
            var offset = (int)(position % ChunkSize);
            if (index == _chunks.Count)
            {
                _chunks.Add(ArrayPool<byte>.Shared.Rent(ChunkSize));
            }

            var chunk = _chunks[index].AsSpan(offset, ChunkSize - offset);
            var n = Math.Min(chunk.Length, data.Length);
            data[..n].CopyTo(chunk);
            data = data[n..];
            position += n;
        }
    }

    private async ValueTask MoveToFileAsync(CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.DeleteOnClose | FileOptions.Asynchronous,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        _file = new FileStream(Path.Combine(_directory, $"chitbox-spool-{Guid.NewGuid():N}.tmp"), options);
        for (var i = 0; i < _chunks.Count; i++)
        {
            var used = (int)Math.Min(ChunkSize, Length - (i * (long)ChunkSize));
            await RandomAccess.WriteAsync(_file.SafeFileHandle, _chunks[i].AsMemory(0, used), _fileWritten, cancellationToken);
            _fileWritten += used;
        }

        ReturnChunks();
        _fileBuffer = ArrayPool<byte>.Shared.Rent(FileBufferSize);
    }

    private async ValueTask AppendToFileAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var buffer = _fileBuffer!;
        while (!data.IsEmpty)
        {
            if (_fileBuffered == 0 && data.Length >= buffer.Length)
            {
                await RandomAccess.WriteAsync(_file!.SafeFileHandle, data, _fileWritten, cancellationToken);
                _fileWritten += data.Length;
                return;
            }

            var n = Math.Min(buffer.Length - _fileBuffered, data.Length);
            data[..n].CopyTo(buffer.AsMemory(_fileBuffered));
            _fileBuffered += n;
            data = data[n..];
            if (_fileBuffered == buffer.Length)
            {
                await FlushFileBufferAsync(cancellationToken);
            }
        }
    }

    private async ValueTask FlushFileBufferAsync(CancellationToken cancellationToken)
    {
        if (_file is null || _fileBuffer is null || _fileBuffered == 0)
        {
            return;
        }

        await RandomAccess.WriteAsync(_file.SafeFileHandle, _fileBuffer.AsMemory(0, _fileBuffered), _fileWritten, cancellationToken);
        _fileWritten += _fileBuffered;
        _fileBuffered = 0;
    }

    private void ReturnChunks()
    {
        foreach (var chunk in _chunks)
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        _chunks.Clear();
    }

    private int ReadAt(long position, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var available = (int)Math.Min(destination.Length, Math.Max(0, Length - position));
        if (available == 0)
        {
            return 0;
        }

        if (_file is not null)
        {
            return RandomAccess.Read(_file.SafeFileHandle, destination[..available], position);
        }

        var index = (int)(position / ChunkSize);
        var offset = (int)(position % ChunkSize);
        var n = Math.Min(available, ChunkSize - offset);
        _chunks[index].AsSpan(offset, n).CopyTo(destination);
        return n;
    }

    private async ValueTask<int> ReadAtAsync(long position, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_file is null)
        {
            return ReadAt(position, destination.Span);
        }

        var available = (int)Math.Min(destination.Length, Math.Max(0, Length - position));
        return available == 0
            ? 0
            : await RandomAccess.ReadAsync(_file.SafeFileHandle, destination[..available], position, cancellationToken);
    }

    /// <summary>An independent, seekable, read-only view with its own position.</summary>
    private sealed class SpoolReadStream(MessageSpool spool) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => spool.Length;

        public override long Position
        {
            get => _position;
            set
            {
                ArgumentOutOfRangeException.ThrowIfNegative(value);
                _position = value;
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = spool.ReadAt(_position, buffer);
            _position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await spool.ReadAtAsync(_position, buffer, cancellationToken);
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                SeekOrigin.End => spool.Length + offset,
                _ => throw new ArgumentOutOfRangeException(nameof(origin)),
            };
            return _position;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
