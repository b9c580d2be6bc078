namespace ChitBox.Bench.Report;

/// <summary>One load against one target, as reported: throughput, latency, server cost. Times in ms, memory in MB.</summary>
public sealed record CellResult
{
    public required string Target { get; init; }

    public required string Load { get; init; }

    public required long SizeBytes { get; init; }

    public required string Mode { get; init; }

    public required int Concurrency { get; init; }

    public double? Rate { get; init; }

    public required int Attempted { get; init; }

    public required int Accepted { get; init; }

    /// <summary>4xx replies, each retried.</summary>
    public required long TransientReplies { get; init; }

    public required int Rejected { get; init; }

    public required int GaveUp { get; init; }

    public required long ConnectionErrors { get; init; }

    public required double Seconds { get; init; }

    public required double MessagesPerSecond { get; init; }

    public double? TimeTo250P50 { get; init; }

    public double? TimeTo250P95 { get; init; }

    public double? TimeTo250P99 { get; init; }

    public double? NewEmailP50 { get; init; }

    public double? NewEmailP99 { get; init; }

    /// <summary>Accepted messages whose <c>new_email</c> never reached the listener.</summary>
    public int? NewEmailMissing { get; init; }

    /// <summary>The SMTP server process: the ingress, or smtp-sink on its rows.</summary>
    public ServerCost? Server { get; init; }

    public ServerCost? Api { get; init; }

    /// <summary>CPU seconds over the cell by process (ingress, API, PostgreSQL, Redis, smtp-sink, bench client, machine busy).</summary>
    public IReadOnlyDictionary<string, double>? CpuSeconds { get; init; }

    /// <summary>This target's msg/s over smtp-sink's for the same load.</summary>
    public double? RatioToSink { get; init; }
}

/// <summary>A server process over one cell.</summary>
public sealed record ServerCost(double StartRssMb, double PeakRssMb, double CpuSeconds, double? CpuMsPerMessage);
