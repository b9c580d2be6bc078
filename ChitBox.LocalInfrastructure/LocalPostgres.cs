using System.Diagnostics;
using System.Runtime.InteropServices;
using Npgsql;

namespace ChitBox.LocalInfrastructure;

/// <summary>
/// A private PostgreSQL cluster from the host's server binaries: <c>initdb</c> into a
/// data folder on first use, <c>postgres</c> on a loopback port, stopped with a fast
/// shutdown. Runs as the <c>postgres</c> user when this process is root, since the
/// server refuses to run as root.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    public const string DatabaseName = "chitbox";
    private const string ServiceUser = "postgres";

    private readonly ChildProcess _server;

    private LocalPostgres(ChildProcess server, int port, string dataDirectory)
    {
        _server = server;
        Port = port;
        DataDirectory = dataDirectory;
    }

    public int Port { get; }

    public string DataDirectory { get; }

    public int ProcessId => _server.Id;

    /// <summary>Npgsql form, for <c>ConnectionStrings__chitbox</c>.</summary>
    public string ConnectionString => ConnectionStringFor(DatabaseName);

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = ServiceUser,
        Database = database,
    }.ConnectionString;

    /// <param name="dataDirectory">Created and initialised when empty; kept as it is otherwise.</param>
    /// <param name="port">0 for any free port.</param>
    public static async Task<LocalPostgres> StartAsync(
        string dataDirectory, int port = 0, Action<string>? output = null, CancellationToken cancellationToken = default)
    {
        var binaries = FindBinaries();
        dataDirectory = Path.GetFullPath(dataDirectory);
        PrepareDataDirectory(dataDirectory);

        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            await InitDbAsync(binaries, dataDirectory, output, cancellationToken);
        }

        if (port == 0)
        {
            port = FreePort.Next();
        }
        else
        {
            FreePort.EnsureFree(port, "choose another port for PostgreSQL, or set ConnectionStrings__chitbox to use a running server");
        }

        // The socket directory is the data directory: no need for /var/run/postgresql.
        var server = ChildProcess.Start(
            AsServiceUser(Path.Combine(binaries, "postgres"),
                "-D", dataDirectory, "-p", port.ToString(), "-k", dataDirectory,
                "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300",
                "-c", "synchronous_commit=on", "-c", "fsync=on"),
            line => output?.Invoke(line));

        var postgres = new LocalPostgres(server, port, dataDirectory);
        try
        {
            await postgres.WaitUntilReadyAsync(cancellationToken);
            return postgres;
        }
        catch
        {
            await postgres.DisposeAsync();
            throw;
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var connectionString = new NpgsqlConnectionStringBuilder(ConnectionStringFor("postgres")) { Pooling = false }.ConnectionString;
        while (true)
        {
            if (_server.HasExited)
            {
                throw new LocalInfrastructureException(
                    $"PostgreSQL exited at start (code {_server.ExitCode}); its output above says why. Data folder: {DataDirectory}.");
            }

            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private static async Task InitDbAsync(string binaries, string dataDirectory, Action<string>? output, CancellationToken cancellationToken)
    {
        var initdb = ChildProcess.Start(
            AsServiceUser(Path.Combine(binaries, "initdb"),
                "-D", dataDirectory, "-U", ServiceUser, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"),
            line => output?.Invoke(line));
        await initdb.WaitForExitAsync(cancellationToken);
        if (initdb.ExitCode != 0)
        {
            throw new LocalInfrastructureException(
                $"initdb failed (code {initdb.ExitCode}) for data folder {dataDirectory}; its output above says why.");
        }
    }

    private static void PrepareDataDirectory(string dataDirectory)
    {
        try
        {
            Directory.CreateDirectory(dataDirectory);
            if (IsRoot)
            {
                // initdb runs as postgres: it must own the folder and reach it.
                Run("chown", "-R", $"{ServiceUser}:{ServiceUser}", dataDirectory);
                Run("chmod", "700", dataDirectory);
            }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new LocalInfrastructureException(
                $"Cannot create the PostgreSQL data folder {dataDirectory}: {e.Message}. " +
                "Make it writable, or set ConnectionStrings__chitbox to use a running server.", e);
        }
    }

    private static ProcessStartInfo AsServiceUser(string program, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo();
        if (IsRoot)
        {
            // setpriv execs in place, so signals reach postgres itself.
            startInfo.FileName = "setpriv";
            foreach (var argument in (string[])["--reuid", ServiceUser, "--regid", ServiceUser, "--init-groups", "--", program])
            {
                startInfo.ArgumentList.Add(argument);
            }
        }
        else
        {
            startInfo.FileName = program;
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return startInfo;
    }

    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>
    /// <c>CHITBOX_PG_BIN</c> when set (and then only there), else the newest
    /// <c>/usr/lib/postgresql/*/bin</c>, else PATH.
    /// </summary>
    private static string FindBinaries()
    {
        var configured = Environment.GetEnvironmentVariable("CHITBOX_PG_BIN");
        string[] candidates = !string.IsNullOrEmpty(configured)
            ? [configured]
            : [.. DebianInstallations(), .. (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)];
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "postgres")) && File.Exists(Path.Combine(d, "initdb")))
            ?? throw new LocalInfrastructureException(
                "PostgreSQL server binaries (initdb, postgres) were not found" +
                (string.IsNullOrEmpty(configured) ? "" : $" in CHITBOX_PG_BIN ({configured})") +
                ". Install them (`apt-get install postgresql`), set CHITBOX_PG_BIN to their folder, " +
                "or set ConnectionStrings__chitbox to use a running server.");
    }

    /// <summary>Debian's layout, newest version first.</summary>
    private static IEnumerable<string> DebianInstallations() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var version) ? version : 0)
                .Select(d => Path.Combine(d, "bin"))
            : [];

    private static void Run(string program, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new IOException($"{program} failed: {error.Trim()}");
        }
    }

    /// <summary>Fast shutdown (SIGINT): clients are disconnected, the cluster is left consistent.</summary>
    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(PosixSignal.SIGINT, TimeSpan.FromSeconds(10));
        await _server.DisposeAsync();
    }
}
