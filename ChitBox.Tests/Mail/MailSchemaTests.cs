using ChitBox.Mail.Data;
using ChitBox.Tests.Infrastructure;
using Npgsql;

namespace ChitBox.Tests.Mail;

public sealed class MailSchemaTests
{
    private static readonly string[] ContractTables = ["users", "folders", "mail_threads", "mail_messages", "attachments"];

    [Fact]
    public async Task Migrate_creates_the_contract_tables_in_an_empty_database()
    {
        await using var database = await EmptyDatabase.CreateAsync();
        await using var dataSource = MailDataExtensions.CreateDataSource(database.ConnectionString);

        await MailSchema.MigrateAsync(dataSource, CancellationToken.None);

        var tables = await TablesAsync(dataSource);
        Assert.All(ContractTables, table => Assert.Contains(table, tables));
    }

    [Fact]
    public async Task Migrate_creates_the_database_when_it_is_missing()
    {
        await using var database = await EmptyDatabase.CreateAsync(create: false);
        await using var dataSource = MailDataExtensions.CreateDataSource(database.ConnectionString);

        await MailSchema.MigrateAsync(dataSource, CancellationToken.None);

        Assert.Contains("users", await TablesAsync(dataSource));
    }

    [Fact]
    public async Task Concurrent_migrations_against_one_empty_database_all_succeed_once()
    {
        await using var database = await EmptyDatabase.CreateAsync(create: false);
        var dataSources = Enumerable.Range(0, 6).Select(_ => MailDataExtensions.CreateDataSource(database.ConnectionString)).ToList();
        try
        {
            await Task.WhenAll(dataSources.Select(d => Task.Run(() => MailSchema.MigrateAsync(d, CancellationToken.None))));

            await using var command = dataSources[0].CreateCommand("SELECT count(*) FROM __ef_migrations_history");
            var applied = (long)(await command.ExecuteScalarAsync())!;
            Assert.Equal(MigrationCount, applied);
        }
        finally
        {
            foreach (var dataSource in dataSources)
            {
                await dataSource.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Migrate_on_an_up_to_date_database_changes_nothing()
    {
        await using var database = await EmptyDatabase.CreateAsync();
        await using var dataSource = MailDataExtensions.CreateDataSource(database.ConnectionString);
        await MailSchema.MigrateAsync(dataSource, CancellationToken.None);

        await MailSchema.MigrateAsync(dataSource, CancellationToken.None);

        await using var command = dataSource.CreateCommand("SELECT count(*) FROM __ef_migrations_history");
        Assert.Equal(MigrationCount, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Bodies_are_compressed_with_lz4_and_the_raw_message_is_stored_for_slicing()
    {
        await using var database = await EmptyDatabase.CreateAsync();
        await using var dataSource = MailDataExtensions.CreateDataSource(database.ConnectionString);

        await MailSchema.MigrateAsync(dataSource, CancellationToken.None);

        // attcompression 'l' is lz4; attstorage 'e' is external (out of line, uncompressed).
        await using var command = dataSource.CreateCommand(
            """
            SELECT string_agg(attrelid::regclass || '.' || attname || '=' || attcompression::text || attstorage::text, ' ' ORDER BY attname)
            FROM pg_attribute WHERE attname IN ('body_text', 'body_html', 'content')
                AND attrelid IN ('mail_messages'::regclass, 'raw_messages'::regclass)
            """);
        Assert.Equal("mail_messages.body_html=lx mail_messages.body_text=lx raw_messages.content=e", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_raw_message_that_fits_in_a_page_stays_in_its_row_and_a_larger_one_goes_out_of_line()
    {
        await using var database = await EmptyDatabase.CreateAsync();
        await using var dataSource = MailDataExtensions.CreateDataSource(database.ConnectionString);
        await MailSchema.MigrateAsync(dataSource, CancellationToken.None);

        // 3 KB is over PostgreSQL's default 2 KB threshold for moving a value out of the row.
        await using (var insert = dataSource.CreateCommand(
            """
            INSERT INTO raw_messages (id, content, size, received_at)
            SELECT gen_random_uuid(), convert_to(repeat('x', n), 'UTF8'), n, now() FROM unnest(ARRAY[3000, 30000]) AS n
            """))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await using var toastTable = dataSource.CreateCommand("SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = 'raw_messages'");
        var toast = (string)(await toastTable.ExecuteScalarAsync())!;
        await using var outOfLine = dataSource.CreateCommand($"SELECT count(DISTINCT chunk_id) FROM {toast}");
        Assert.Equal(1L, await outOfLine.ExecuteScalarAsync());
        await using var slices = dataSource.CreateCommand("SELECT string_agg(encode(substring(content FROM (size - 2)::int FOR 3), 'escape'), ',') FROM raw_messages");
        Assert.Equal("xxx,xxx", await slices.ExecuteScalarAsync());
    }

    private static long MigrationCount =>
        typeof(MailDbContext).Assembly.GetTypes().Count(t =>
            t.GetCustomAttributes(typeof(Microsoft.EntityFrameworkCore.Migrations.MigrationAttribute), false).Length > 0);

    private static async Task<List<string>> TablesAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
        await using var reader = await command.ExecuteReaderAsync();
        var tables = new List<string>();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }
}
