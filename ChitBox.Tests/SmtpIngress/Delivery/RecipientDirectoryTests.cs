using ChitBox.Mail.Data;
using ChitBox.Mail.Users;
using ChitBox.SmtpIngress.Delivery;
using ChitBox.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChitBox.Tests.SmtpIngress.Delivery;

public sealed class RecipientDirectoryTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _time = new();
    private NpgsqlDataSource _dataSource = null!;
    private string _connectionString = null!;
    private RecipientDirectory _directory = null!;

    public async Task InitializeAsync()
    {
        _connectionString = (await TestServers.GetAsync()).PostgresConnectionString;
        _dataSource = MailDataExtensions.CreateDataSource(_connectionString);
        _directory = new RecipientDirectory(_dataSource, Options.Create(new MailDomainOptions { LocalDomains = [.. MailDomainOptions.DefaultLocalDomains] }), _time);
    }

    public async Task DisposeAsync() => await _dataSource.DisposeAsync();

    [Fact]
    public async Task A_registered_address_is_accepted_whatever_its_case()
    {
        var address = TestUsers.UniqueAddress("alice");
        var userId = await TestUsers.CreateAsync(_connectionString, address);

        var check = await _directory.CheckAsync(address.ToUpperInvariant(), CancellationToken.None);

        Assert.Equal(RecipientCheck.For(userId), check);
    }

    [Fact]
    public async Task An_address_written_decomposed_names_the_user_registered_composed()
    {
        var address = TestUsers.UniqueAddress("pr\u00f8be-\u00fcn\u00ef");
        var userId = await TestUsers.CreateAsync(_connectionString, address);

        var check = await _directory.CheckAsync(address.Normalize(System.Text.NormalizationForm.FormD), CancellationToken.None);

        Assert.Equal(RecipientCheck.For(userId), check);
    }

    [Theory]
    [InlineData("\"{0}\"@{1}")]
    [InlineData("\"{0}+tag\"@{1}")]
    [InlineData("\"\\{0}\"@{1}")]
    public async Task A_quoted_local_part_that_needs_no_quotes_names_the_same_user(string form)
    {
        var address = TestUsers.UniqueAddress("alice.smith");
        var userId = await TestUsers.CreateAsync(_connectionString, address);
        var at = address.LastIndexOf('@');

        var check = await _directory.CheckAsync(string.Format(form, address[..at], address[(at + 1)..]), CancellationToken.None);

        Assert.Equal(RecipientCheck.For(userId), check);
    }

    [Fact]
    public async Task A_quoted_local_part_that_needs_its_quotes_is_another_mailbox()
    {
        var address = TestUsers.UniqueAddress("alice");
        await TestUsers.CreateAsync(_connectionString, address);
        var at = address.LastIndexOf('@');

        var check = await _directory.CheckAsync($"\"{address[..at]} \"{address[at..]}", CancellationToken.None);

        Assert.Equal(RecipientCheck.Unknown, check);
    }

    [Fact]
    public async Task A_subaddress_delivers_to_the_plain_address()
    {
        var address = TestUsers.UniqueAddress("alice");
        var userId = await TestUsers.CreateAsync(_connectionString, address);

        var check = await _directory.CheckAsync(address.Replace("@", "+newsletters@"), CancellationToken.None);

        Assert.Equal(RecipientCheck.For(userId), check);
    }

    [Fact]
    public async Task An_unknown_user_in_a_local_domain_is_unknown_and_another_domain_is_relay()
    {
        Assert.Equal(RecipientStatus.UnknownUser, (await _directory.CheckAsync(TestUsers.UniqueAddress("nobody"), CancellationToken.None)).Status);
        Assert.Equal(RecipientStatus.RelayDenied, (await _directory.CheckAsync("someone@example.org", CancellationToken.None)).Status);
        Assert.Equal(RecipientStatus.UnknownUser, (await _directory.CheckAsync("postmaster@LOCALHOST", CancellationToken.None)).Status);
    }

    [Fact]
    public async Task A_user_registered_after_a_refusal_is_accepted_once_the_refusal_expires()
    {
        var address = TestUsers.UniqueAddress("late");
        Assert.Equal(RecipientStatus.UnknownUser, (await _directory.CheckAsync(address, CancellationToken.None)).Status);
        var userId = await TestUsers.CreateAsync(_connectionString, address);

        _time.Advance(RecipientDirectory.MissingLifetime + TimeSpan.FromMilliseconds(1));

        Assert.Equal(RecipientCheck.For(userId), await _directory.CheckAsync(address, CancellationToken.None));
    }

    [Fact]
    public async Task A_found_user_is_served_from_the_cache_without_the_database()
    {
        var address = TestUsers.UniqueAddress("cached");
        var userId = await TestUsers.CreateAsync(_connectionString, address);
        await _directory.CheckAsync(address, CancellationToken.None);

        // Rename the user under the cache: a cached answer does not see it.
        await using (var command = _dataSource.CreateCommand("UPDATE users SET normalized_email = 'moved-' || normalized_email WHERE id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
            await command.ExecuteNonQueryAsync();
        }

        Assert.Equal(RecipientCheck.For(userId), await _directory.CheckAsync(address, CancellationToken.None));
    }
}
