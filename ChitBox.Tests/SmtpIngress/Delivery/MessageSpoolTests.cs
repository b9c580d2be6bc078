using ChitBox.SmtpIngress.Delivery;

namespace ChitBox.Tests.SmtpIngress.Delivery;

public sealed class MessageSpoolTests
{
    [Fact]
    public async Task Small_message_stays_in_memory_and_reads_back_exactly()
    {
        await using var spool = new MessageSpool(memoryThreshold: 1024);
        var data = Bytes(1000);

        await WriteInPiecesAsync(spool, data, 7);
        await spool.CompleteAsync(CancellationToken.None);

        Assert.True(spool.IsInMemory);
        Assert.Equal(1000, spool.Length);
        Assert.Equal(data, await ReadAllAsync(spool.OpenRead()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(70_000)]
    public async Task Message_past_the_threshold_moves_to_a_file_and_reads_back_exactly(int threshold)
    {
        await using var spool = new MessageSpool(threshold);
        var data = Bytes(300_000);

        await WriteInPiecesAsync(spool, data, 1000, 65_536, 3, 100_000);
        await spool.CompleteAsync(CancellationToken.None);

        Assert.False(spool.IsInMemory);
        Assert.Equal(data.Length, spool.Length);
        Assert.Equal(data, await ReadAllAsync(spool.OpenRead()));
    }

    [Fact]
    public async Task Spool_file_is_deleted_when_the_spool_is_disposed()
    {
        var directory = Directory.CreateTempSubdirectory("chitbox-spool-test");
        try
        {
            var spool = new MessageSpool(16, directory.FullName);
            await spool.WriteAsync(Bytes(100), CancellationToken.None);
            Assert.Single(directory.GetFiles());

            await spool.DisposeAsync();

            Assert.Empty(directory.GetFiles());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(1 << 20)]
    [InlineData(0)]
    public async Task Read_streams_are_seekable_and_independent(int threshold)
    {
        await using var spool = new MessageSpool(threshold);
        var data = Bytes(50_000);
        await spool.WriteAsync(data, CancellationToken.None);
        await spool.CompleteAsync(CancellationToken.None);

        await using var first = spool.OpenRead();
        await using var second = spool.OpenRead();
        first.Seek(40_000, SeekOrigin.Begin);
        var tail = await ReadAllAsync(first);
        var whole = await ReadAllAsync(second);
        first.Position = 0;

        Assert.True(first.CanSeek);
        Assert.Equal(data.Length, first.Length);
        Assert.Equal(data[40_000..], tail);
        Assert.Equal(data, whole);
        Assert.Equal(data, await ReadAllAsync(first));
    }

    [Fact]
    public async Task Reading_before_complete_is_refused()
    {
        await using var spool = new MessageSpool();
        await spool.WriteAsync(Bytes(10), CancellationToken.None);

        Assert.Throws<InvalidOperationException>(() => spool.OpenRead());
    }

    [Fact]
    public async Task Writing_after_complete_is_refused()
    {
        await using var spool = new MessageSpool();
        await spool.CompleteAsync(CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await spool.WriteAsync(Bytes(1), CancellationToken.None));
    }

    [Fact]
    public async Task Empty_message_reads_as_empty()
    {
        await using var spool = new MessageSpool();
        await spool.CompleteAsync(CancellationToken.None);

        Assert.Empty(await ReadAllAsync(spool.OpenRead()));
    }

    [Fact]
    public async Task Stream_opened_before_dispose_cannot_read_after_it()
    {
        var spool = new MessageSpool();
        await spool.WriteAsync(Bytes(10), CancellationToken.None);
        await spool.CompleteAsync(CancellationToken.None);
        var stream = spool.OpenRead();

        await spool.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => stream.ReadByte());
    }

    [Fact]
    public async Task Create_from_a_stream_copies_it()
    {
        var data = Bytes(10_000);

        await using var spool = await MessageSpool.CreateAsync(new MemoryStream(data), CancellationToken.None, memoryThreshold: 100);

        Assert.Equal(data, await ReadAllAsync(spool.OpenRead()));
    }

    private static byte[] Bytes(int count)
    {
        var data = new byte[count];
        new Random(count).NextBytes(data);
        return data;
    }

    private static async Task WriteInPiecesAsync(MessageSpool spool, byte[] data, params int[] sizes)
    {
        var offset = 0;
        for (var i = 0; offset < data.Length; i++)
        {
            var n = Math.Min(sizes[i % sizes.Length], data.Length - offset);
            await spool.WriteAsync(data.AsMemory(offset, n), CancellationToken.None);
            offset += n;
        }
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[4093];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            copy.Write(buffer, 0, read);
        }

        return copy.ToArray();
    }
}
