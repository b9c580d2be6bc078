using System.Text;
using ChitBox.Mail.Data;
using ChitBox.SmtpIngress.Delivery;
using ChitBox.Tests.Infrastructure;

namespace ChitBox.Tests.SmtpIngress.Delivery;

/// <summary>Runs alone: it counts the process's allocations, which parallel tests would inflate.</summary>
[CollectionDefinition(nameof(MessageStoreMemoryTests), DisableParallelization = true)]
public sealed class MessageStoreMemoryCollection;

[Collection(nameof(MessageStoreMemoryTests))]
public sealed class MessageStoreMemoryTests
{
    private const int MessageSize = 32 << 20;

    [Fact]
    public async Task Storing_a_large_message_streams_it_from_the_spool_instead_of_buffering_it()
    {
        var servers = await TestServers.GetAsync();
        var bob = await TestUsers.CreateAsync(servers.PostgresConnectionString, TestUsers.UniqueAddress("bob"));
        await using var dataSource = MailDataExtensions.CreateDataSource(servers.PostgresConnectionString);
        using var directory = TemporaryDirectory.Create("spool");
        var path = Path.Combine(directory, "large.eml");
        await WriteLargeMessageAsync(path);
        await using var spool = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 16384, FileOptions.Asynchronous);
        var parsed = await MessageParser.ParseAsync(spool, CancellationToken.None);
        await using var store = new MessageStore(dataSource);

        spool.Position = 0;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await store.StoreAsync(
            new MessageToStore(Guid.CreateVersion7(), spool, 0, spool.Length, DateTimeOffset.UtcNow, parsed, [(bob, "")]), CancellationToken.None);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.True(allocated < MessageSize / 4, $"storing a {MessageSize >> 20} MiB message allocated {allocated >> 20} MiB");
    }

    private static async Task WriteLargeMessageAsync(string path)
    {
        await using var file = File.Create(path);
        await file.WriteAsync("From: a@example.org\r\nSubject: large\r\n\r\n"u8.ToArray());
        var line = Encoding.ASCII.GetBytes(new string('x', 998) + "\r\n");
        for (var written = 0; written < MessageSize; written += line.Length)
        {
            await file.WriteAsync(line);
        }
    }
}
