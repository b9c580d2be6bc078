using ChitBox.Bench.Stack;
using ChitBox.Tests.Infrastructure;
using Npgsql;

namespace ChitBox.Tests.Bench;

public sealed class ChitBoxStackTests
{
    [Fact]
    public async Task A_checkpoint_starts_after_the_call_and_is_done_when_it_returns()
    {
        var database = (await TestServers.GetAsync()).PostgresConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(database);
        var before = await dataSource.ScalarAsync<string>("SELECT pg_current_wal_insert_lsn()::text");

        await ChitBoxStack.CheckpointAsync(database, CancellationToken.None);

        // The last completed checkpoint's redo point is where WAL stood when that checkpoint began.
        Assert.True(await dataSource.ScalarAsync<bool>($"SELECT redo_lsn >= '{before}'::pg_lsn FROM pg_control_checkpoint()"));
    }
}
