using System.Globalization;
using System.Net;
using ChitBox.Bench.Load;

namespace ChitBox.Bench;

/// <summary>The command line. Every option has a default that makes the full matrix.</summary>
public sealed class BenchOptions
{
    public const string Usage = """
        ChitBox.Bench: SMTP ingress load, latency, memory and delivery check.

          dotnet run -c Release --project ChitBox.Bench -- [options]

        Loads (each cell stops after --messages or --duration, whichever comes first):
          --quick                  small matrix: 2k,64k x 1,16 x both modes, short cells
          --sizes 2k,64k,1m,25m    message sizes
          --concurrency 1,16,64    simultaneous connections
          --mode reuse,per-connection
          --messages N             messages per cell (default by size: 2k 10000, 64k 3000, 1m 100, 25m 4)
          --duration S             seconds per cell at most (default 3)
          --rate R                 extra cell: 2k, reuse, 16 connections, R messages/s (default 200; 0 = none)
          --bdat                   send BDAT LAST instead of DATA where the server offers CHUNKING
        Memory:
          --idle N                 open N idle connections, report RSS per connection (default 1000; 0 = skip)
          --big SIZE               one message of SIZE, report the ingress's peak RSS rise (default 100m; 0 = skip)
        Targets:
          (default)                own stack: PostgreSQL, Redis, ingress and API from their Release build output
          --sink / --no-sink       also drive smtp-sink with the same loads (default: on when installed)
          --target host:port       drive any SMTP server instead (no stack, no SignalR)
          --rcpt a@x[,b@y]         recipients at --target
          --database CONNSTRING    with --target: check delivery in this ChitBox database
        Output:
          --out DIR                write latest.json and latest.md there (default bench-results)
          --users N                bench users (recipients and SignalR listeners, default 8)
        Diagnostics (results are then not comparable):
          --pg name=value          PostgreSQL setting for the own stack, e.g. synchronous_commit=off (repeatable)
        """;

    public bool Quick { get; private set; }

    public IReadOnlyList<long> Sizes { get; private set; } = [];

    public IReadOnlyList<int> Concurrency { get; private set; } = [];

    public IReadOnlyList<SessionMode> Modes { get; private set; } = [SessionMode.Reuse, SessionMode.PerConnection];

    public int? Messages { get; private set; }

    public TimeSpan Duration { get; private set; }

    public double Rate { get; private set; } = 200;

    public bool UseBdat { get; private set; }

    public int IdleConnections { get; private set; }

    public long BigMessage { get; private set; }

    public bool? Sink { get; private set; }

    public EndPoint? Target { get; private set; }

    public string TargetText { get; private set; } = "";

    public IReadOnlyList<string> Recipients { get; private set; } = [];

    public string? Database { get; private set; }

    public string OutputDirectory { get; private set; } = "bench-results";

    public int Users { get; private set; } = 8;

    public List<string> PostgresSettings { get; } = [];

    public bool ShowHelp { get; private set; }

    /// <summary>The arguments as given, for the report.</summary>
    public string CommandLine { get; private set; } = "";

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions { CommandLine = string.Join(' ', args) };
        string? sizes = null, concurrency = null, duration = null, idle = null, big = null;
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--quick": options.Quick = true; break;
                case "--sizes": sizes = Value(); break;
                case "--concurrency": concurrency = Value(); break;
                case "--mode": options.Modes = [.. Value().Split(',').Select(ParseMode)]; break;
                case "--messages": options.Messages = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--duration": duration = Value(); break;
                case "--rate": options.Rate = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--bdat": options.UseBdat = true; break;
                case "--idle": idle = Value(); break;
                case "--big": big = Value(); break;
                case "--sink": options.Sink = true; break;
                case "--no-sink": options.Sink = false; break;
                case "--target": options.TargetText = Value(); options.Target = ParseEndPoint(options.TargetText); break;
                case "--rcpt": options.Recipients = Value().Split(',', StringSplitOptions.RemoveEmptyEntries); break;
                case "--database": options.Database = Value(); break;
                case "--out": options.OutputDirectory = Value(); break;
                case "--pg": options.PostgresSettings.Add(Value()); break;
                case "--users": options.Users = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "-h" or "--help": options.ShowHelp = true; break;
                default: throw new FormatException($"Unknown option {args[i]}.");
            }
        }

        options.Sizes = [.. (sizes ?? (options.Quick ? "2k,64k" : "2k,64k,1m,25m")).Split(',').Select(s => MessageSize.Parse(s).Bytes)];
        options.Concurrency = [.. (concurrency ?? (options.Quick ? "1,16" : "1,16,64")).Split(',')
            .Select(c => int.Parse(c, CultureInfo.InvariantCulture))];
        options.Duration = TimeSpan.FromSeconds(double.Parse(duration ?? (options.Quick ? "2" : "3"), CultureInfo.InvariantCulture));
        options.IdleConnections = int.Parse(idle ?? (options.Quick ? "200" : "1000"), CultureInfo.InvariantCulture);
        options.BigMessage = big is null ? (options.Quick ? 0 : 100L * 1024 * 1024) : big == "0" ? 0 : MessageSize.Parse(big).Bytes;
        if (options.Target is not null && options.Recipients.Count == 0)
        {
            throw new FormatException("--target needs --rcpt with at least one recipient the server accepts.");
        }

        if (options.Concurrency.Any(c => c < 1) || options.Users < 1)
        {
            throw new FormatException("--concurrency and --users must be at least 1.");
        }

        return options;
    }

    /// <summary>Messages for one cell of this size: --messages, else enough for a few seconds without filling the disk.</summary>
    public int MessagesFor(long size)
    {
        if (Messages is { } fixedCount)
        {
            return fixedCount;
        }

        var count = size switch
        {
            <= 8 * 1024 => 10_000,
            <= 128 * 1024 => 3000,
            <= 2 * 1024 * 1024 => 100,
            _ => 4,
        };
        return Quick ? Math.Min(count, 500) : count;
    }

    private static SessionMode ParseMode(string text) => text.Trim().ToLowerInvariant() switch
    {
        "reuse" => SessionMode.Reuse,
        "per-connection" or "per-conn" or "single" => SessionMode.PerConnection,
        _ => throw new FormatException($"--mode takes reuse or per-connection, not '{text}'."),
    };

    private static EndPoint ParseEndPoint(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            throw new FormatException($"--target takes host:port, not '{text}'.");
        }

        var host = text[..colon].Trim('[', ']');
        return IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
    }
}
