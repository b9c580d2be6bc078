using ChitBox.LocalInfrastructure;
using System.Diagnostics;
using System.Net;
using ChitBox.Bench.Load;
using ChitBox.Bench.Measure;
using ChitBox.Bench.Report;
using ChitBox.Bench.Stack;

namespace ChitBox.Bench;

/// <summary>
/// One bench run: bring up the targets, warm up, measure the idle-connection and
/// big-message memory, run every load against ChitBox (each after a checkpoint) and then
/// smtp-sink, and check that every message ChitBox accepted is in the database exactly once.
/// </summary>
public sealed class BenchRunner(BenchOptions options, TextWriter log)
{
    private const string SinkName = "smtp-sink";

    // Cell numbers in message tokens: the matrix counts from 1; these stay clear of it.
    private const int WarmUpCell = 900;
    private const int BigMessageCell = 999;
    private const int SinkMessagesPerSecondCap = 50_000;

    // Warm-up ends when a round (8 s of load) costs the tiered compiler less than this.
    private const int MaxWarmUpRounds = 5;
    private const double QuietCompilerSeconds = 0.05;

    // ".NET Tiered Compilation Worker", as Linux keeps it (15 characters).
    private const string TieredCompilerThread = ".NET Tiered Com";
    private static readonly TimeSpan EventQuietPeriod = TimeSpan.FromSeconds(3);

    private readonly Dictionary<long, MessageTemplate> _templates = [];
    private readonly List<MessageToken> _acceptedByChitBox = [];
    private readonly string _runId = MessageToken.NewRunId();
    private NewEmailListener? _listener;
    private int? _ingressPid;
    private int? _apiPid;
    private int? _sinkPid;
    private int? _postgresPid;
    private int? _redisPid;

    public async Task<BenchReport> RunAsync(CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        if (RepositoryLayout.Configuration != "Release")
        {
            log.WriteLine($"warning: this is a {RepositoryLayout.Configuration} build; measure with `dotnet run -c Release`.");
        }

        var loadAverage = File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg", cancellationToken)).Trim() : null;
        var busyBefore = await MeasureBackgroundBusyAsync(cancellationToken);
        if (busyBefore > 0.25)
        {
            log.WriteLine($"warning: the machine was {busyBefore:0%} busy before the bench started; other work will skew the figures.");
        }

        ChitBoxStack? stack = null;
        SinkServer? sink = null;
        try
        {
            LoadTarget chitbox;
            string? database;
            if (options.Target is null)
            {
                stack = await ChitBoxStack.StartAsync(
                    options.Users, Math.Max(64L * 1024 * 1024, options.BigMessage + 16L * 1024 * 1024), options.PostgresSettings,
                    log.WriteLine, cancellationToken);
                chitbox = new LoadTarget("chitbox", stack.Smtp, [.. stack.Users.Select(u => u.Email)]);
                database = stack.DatabaseConnectionString;
                _ingressPid = stack.Ingress.ProcessId;
                _apiPid = stack.Api.ProcessId;
                _postgresPid = stack.PostgresProcessId;
                _redisPid = stack.RedisProcessId;
                _listener = await NewEmailListener.ConnectAsync(stack.ApiAddress, stack.Users.Select(u => u.AccessToken), cancellationToken);
            }
            else
            {
                chitbox = new LoadTarget(options.TargetText, options.Target, options.Recipients);
                database = options.Database;
            }

            if (options.Sink ?? (options.Target is null && SinkServer.Find() is not null))
            {
                sink = await SinkServer.StartAsync(cancellationToken);
                _sinkPid = sink.ProcessId;
                log.WriteLine($"smtp-sink: smtp://{sink.EndPoint} (pid {sink.ProcessId})");
            }

            var sinkTarget = sink is null ? null : new LoadTarget(SinkName, sink.EndPoint, ["sink@sink.example"]);

            // Memory first, after a short warm-up of the session paths: the long warm-up below
            // leaves the heap room that idle sessions would reuse without growing RSS.
            log.WriteLine("warm-up");
            await MeasureAsync(chitbox, new LoadCell(WarmUpCell, 2048, SessionMode.Reuse, 4, 400, TimeSpan.FromSeconds(10), UseBdat: options.UseBdat), cancellationToken);
            var idle = options.IdleConnections > 0 && _ingressPid is { } ingressPid
                ? await MeasureIdleConnectionsAsync(chitbox.Server, ingressPid, options.IdleConnections, cancellationToken)
                : null;
            var big = options.BigMessage > 0 && _ingressPid is not null
                ? await MeasureBigMessageAsync(chitbox, cancellationToken)
                : null;

            await WarmUpAsync(chitbox, cancellationToken);

            var cells = new List<CellResult>();
            var loads = Matrix();
            foreach (var (cell, number) in loads.Select((c, i) => (c, i + 1)))
            {
                log.WriteLine($"[{number}/{loads.Count}] {cell.Describe()}");
                if (stack is not null)
                {
                    // Each cell starts clean: see ChitBoxStack.CheckpointAsync. (Another target's
                    // database is not ours to checkpoint.)
                    await ChitBoxStack.CheckpointAsync(stack.DatabaseConnectionString, cancellationToken);
                }

                var measured = await MeasureAsync(chitbox, cell, cancellationToken);
                if (sinkTarget is not null && cell.Rate is null)
                {
                    // smtp-sink is far faster: it gets the whole duration, not the message count, for a stable figure.
                    var sinkCell = cell with { Messages = Math.Max(cell.Messages, (int)(cell.Duration.TotalSeconds * SinkMessagesPerSecondCap)) };
                    var sinkResult = await MeasureAsync(sinkTarget, sinkCell, cancellationToken);
                    measured = measured with
                    {
                        RatioToSink = sinkResult.MessagesPerSecond > 0 ? measured.MessagesPerSecond / sinkResult.MessagesPerSecond : null,
                    };
                    cells.Add(measured);
                    cells.Add(sinkResult);
                }
                else
                {
                    cells.Add(measured);
                }
            }

            DeliveryCheck? delivery = null;
            if (database is not null)
            {
                delivery = await DeliveryVerifier.VerifyAsync(database, _runId, _acceptedByChitBox, cancellationToken);
                log.WriteLine($"delivery check: {(delivery.Passed ? "passed" : "FAILED")}: {delivery}");
            }

            return new BenchReport
            {
                StartedAt = startedAt,
                Command = options.CommandLine,
                Machine = MachineInfo.Describe(RepositoryLayout.Root, RepositoryLayout.Configuration),
                Target = options.Target is null
                    ? "own stack (PostgreSQL synchronous_commit=on, Redis, ingress and API as child processes; a CHECKPOINT before each cell)" + (sink is null ? "" : " and smtp-sink")
                    : options.TargetText + (sink is null ? "" : " and smtp-sink"),
                Cells = cells,
                IdleConnections = idle,
                BigMessage = big,
                Delivery = delivery,
                TotalSeconds = clock.Elapsed.TotalSeconds,
                BackgroundBusyBeforeRun = busyBefore,
                LoadAverageBeforeRun = loadAverage,
            };
        }
        finally
        {
            if (_listener is not null)
            {
                await _listener.DisposeAsync();
            }

            if (sink is not null)
            {
                await sink.DisposeAsync();
            }

            if (stack is not null)
            {
                await stack.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// JIT, connection pools, caches: warmed by rounds of the common loads, not reported (but
    /// checked in the database), until the ingress's tiered compiler, which recompiles hot
    /// methods optimized in the background, has gone quiet. Left busy, it takes a share of the
    /// CPU in the first cells, and they would measure the JIT rather than the server.
    /// </summary>
    private async Task WarmUpAsync(LoadTarget chitbox, CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaxWarmUpRounds; round++)
        {
            var first = WarmUpCell + 1 + round * 4;
            LoadCell[] loads =
            [
                new(first, 2048, SessionMode.Reuse, 16, 20_000, TimeSpan.FromSeconds(2), UseBdat: options.UseBdat),
                new(first + 1, 2048, SessionMode.PerConnection, 16, 10_000, TimeSpan.FromSeconds(2), UseBdat: options.UseBdat),
                new(first + 2, 2048, SessionMode.PerConnection, 1, 5_000, TimeSpan.FromSeconds(2), UseBdat: options.UseBdat),
                new(first + 3, 64 * 1024, SessionMode.Reuse, 16, 5_000, TimeSpan.FromSeconds(2), UseBdat: options.UseBdat),
            ];
            var compilerBefore = TieredCompilerSeconds();
            foreach (var cell in loads)
            {
                await MeasureAsync(chitbox, cell, cancellationToken);
            }

            if (compilerBefore is null)
            {
                // Another server: nothing to watch, one round.
                return;
            }

            var compiling = TieredCompilerSeconds()!.Sum(t => t.Value - compilerBefore.GetValueOrDefault(t.Key));
            log.WriteLine($"warm-up round {round + 1}: the ingress's tiered compiler used {compiling * 1000:0} ms of CPU");
            if (compiling < QuietCompilerSeconds)
            {
                return;
            }
        }
    }

    /// <summary>CPU seconds of the ingress's tiered-compilation threads, or null when it is not our process.</summary>
    private IReadOnlyDictionary<int, double>? TieredCompilerSeconds() =>
        _ingressPid is { } pid ? ProcessStats.ReadThreadCpuSeconds(pid, TieredCompilerThread) : null;

    private static async Task<double?> MeasureBackgroundBusyAsync(CancellationToken cancellationToken)
    {
        var start = CpuMeter.MachineBusySeconds();
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var end = CpuMeter.MachineBusySeconds();
        return start is null || end is null ? null : Math.Round((end.Value - start.Value) / Environment.ProcessorCount, 2);
    }

    /// <summary>Sizes × modes × concurrency, then the rate-limited cell for the new_email latency.</summary>
    private List<LoadCell> Matrix()
    {
        var cells = new List<LoadCell>();
        foreach (var size in options.Sizes)
        {
            foreach (var mode in options.Modes)
            {
                foreach (var concurrency in options.Concurrency)
                {
                    cells.Add(new LoadCell(cells.Count + 1, size, mode, concurrency, options.MessagesFor(size), options.Duration,
                        UseBdat: options.UseBdat));
                }
            }
        }

        if (options.Rate > 0)
        {
            var duration = TimeSpan.FromSeconds(Math.Max(options.Duration.TotalSeconds, 3));
            cells.Add(new LoadCell(cells.Count + 1, 2048, SessionMode.Reuse, 16, (int)(options.Rate * duration.TotalSeconds),
                duration + TimeSpan.FromSeconds(2), options.Rate, options.UseBdat));
        }

        return cells;
    }

    private MessageTemplate Template(long size)
    {
        if (!_templates.TryGetValue(size, out var template))
        {
            template = MessageTemplate.Create(size);
            _templates[size] = template;
        }

        return template;
    }

    private async Task<CellResult> MeasureAsync(LoadTarget target, LoadCell cell, CancellationToken cancellationToken)
    {
        var isSink = target.Name == SinkName;
        var template = Template(cell.Size);
        await using var serverWatch = ProcessWatch.Start(isSink ? _sinkPid : _ingressPid);
        await using var apiWatch = ProcessWatch.Start(isSink ? null : _apiPid);
        var cpu = CpuMeter.Start(CpuProcesses(isSink), treeName: "postgres");
        var progress = new LoadProgress();
        LoadResult result;
        await using (new ProgressDisplay(log, $"  {target.Name,-9} {cell.Describe()}", progress))
        {
            result = await LoadRunner.RunAsync(target, cell, _runId, template, progress, cancellationToken);
        }

        var server = serverWatch is null ? null : await serverWatch.StopAsync();
        IReadOnlyList<double> delays = [];
        int? missingEvents = null;
        if (!isSink && _listener is not null)
        {
            (delays, var missing) = await _listener.CollectAsync(result.AcceptedMessages, EventQuietPeriod, cancellationToken);
            missingEvents = missing;
        }

        var api = apiWatch is null ? null : await apiWatch.StopAsync();
        var cpuSeconds = cpu.Stop();
        if (!isSink)
        {
            _acceptedByChitBox.AddRange(result.AcceptedMessages.Select(m => m.Token));
        }

        var timeTo250 = new Percentiles(result.TimeTo250Milliseconds);
        var newEmail = new Percentiles(delays);
        return new CellResult
        {
            Target = target.Name,
            Load = cell.Describe(),
            SizeBytes = cell.Size,
            Mode = cell.Mode == SessionMode.Reuse ? "reuse" : "per-connection",
            Concurrency = cell.Concurrency,
            Rate = cell.Rate,
            Attempted = result.Attempted,
            Accepted = result.Accepted,
            TransientReplies = result.TransientReplies,
            Rejected = result.Rejected,
            GaveUp = result.GaveUp,
            ConnectionErrors = result.ConnectionErrors,
            Seconds = result.Elapsed.TotalSeconds,
            MessagesPerSecond = result.MessagesPerSecond,
            TimeTo250P50 = timeTo250.At(50),
            TimeTo250P95 = timeTo250.At(95),
            TimeTo250P99 = timeTo250.At(99),
            NewEmailP50 = newEmail.At(50),
            NewEmailP99 = newEmail.At(99),
            NewEmailMissing = missingEvents,
            Server = Cost(server, result.Accepted),
            Api = Cost(api, result.Accepted),
            CpuSeconds = cpuSeconds,
        };
    }

    private Dictionary<string, int> CpuProcesses(bool sink)
    {
        var processes = new Dictionary<string, int>();
        void Add(string name, int? pid)
        {
            if (pid is { } id)
            {
                processes[name] = id;
            }
        }

        if (sink)
        {
            Add("smtp-sink", _sinkPid);
        }
        else
        {
            Add("ingress", _ingressPid);
            Add("api", _apiPid);
            Add("postgres", _postgresPid);
            Add("redis", _redisPid);
        }

        return processes;
    }

    private static ServerCost? Cost(ProcessUsage? usage, int accepted) => usage is null
        ? null
        : new ServerCost(Mb(usage.StartRssBytes), Mb(usage.PeakRssBytes), usage.CpuSeconds,
            accepted > 0 ? usage.CpuSeconds * 1000 / accepted : null);

    private static double Mb(long bytes) => Math.Round(bytes / (1024.0 * 1024.0), 1);

    /// <summary>N connections that greet, say EHLO and then wait: what does each one cost the ingress?</summary>
    private async Task<IdleConnectionsResult> MeasureIdleConnectionsAsync(
        EndPoint server, int pid, int count, CancellationToken cancellationToken)
    {
        log.WriteLine($"idle connections: opening {count}");
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var before = ProcessStats.Read(pid)?.RssBytes ?? 0;
        var connections = new List<SmtpConnection>(count);
        try
        {
            for (var opened = 0; opened < count;)
            {
                var batch = Enumerable.Range(0, Math.Min(50, count - opened))
                    .Select(_ => SmtpConnection.OpenAsync(server, "idle.bench.example", cancellationToken))
                    .ToArray();
                opened += batch.Length;
                foreach (var attempt in batch)
                {
                    try
                    {
                        if ((await attempt).Connection is { } connection)
                        {
                            connections.Add(connection);
                        }
                    }
                    catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
                    {
                    }
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            var after = ProcessStats.Read(pid)?.RssBytes ?? 0;
            var perConnection = connections.Count > 0 ? (after - before) / 1024.0 / connections.Count : 0;
            log.WriteLine($"idle connections: {connections.Count} open, {perConnection:0.0} KB each");
            return new IdleConnectionsResult(count, connections.Count, Mb(before), Mb(after), Math.Round(perConnection, 1));
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.QuitAsync(CancellationToken.None);
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>One large message, alone: how far does the ingress's peak RSS rise above where it was?</summary>
    private async Task<BigMessageResult> MeasureBigMessageAsync(LoadTarget target, CancellationToken cancellationToken)
    {
        log.WriteLine($"big message: {new MessageSize(options.BigMessage)}");
        var pid = _ingressPid!.Value;
        var template = MessageTemplate.Create(options.BigMessage);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        await using var watch = ProcessWatch.Start(pid);
        var before = ProcessStats.Read(pid)?.RssBytes ?? 0;
        var result = await LoadRunner.RunAsync(
            target, new LoadCell(BigMessageCell, options.BigMessage, SessionMode.Reuse, 1, 1, TimeSpan.FromMinutes(5), UseBdat: options.UseBdat),
            _runId, template, cancellationToken: cancellationToken);
        var usage = watch is null ? null : await watch.StopAsync();
        _acceptedByChitBox.AddRange(result.AcceptedMessages.Select(m => m.Token));
        var peak = usage?.PeakRssBytes ?? 0;
        var outcome = new BigMessageResult(options.BigMessage, result.Accepted == 1,
            result.Accepted == 1 ? "250" : $"{result.Rejected} rejected, {result.GaveUp} gave up",
            result.Elapsed.TotalSeconds, Mb(before), Mb(peak), Mb(peak - before));
        log.WriteLine($"big message: {(outcome.Accepted ? "accepted" : outcome.Reply)} in {outcome.Seconds:0.0} s, peak rise {outcome.PeakRiseMb:0.0} MB");
        return outcome;
    }
}
