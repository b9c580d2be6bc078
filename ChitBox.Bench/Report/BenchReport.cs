using ChitBox.Bench.Measure;

namespace ChitBox.Bench.Report;

/// <summary>Everything one run measured, written as JSON and as Markdown.</summary>
public sealed record BenchReport
{
    public required DateTimeOffset StartedAt { get; init; }

    public required string Command { get; init; }

    public required MachineInfo Machine { get; init; }

    public required string Target { get; init; }

    public required IReadOnlyList<CellResult> Cells { get; init; }

    public IdleConnectionsResult? IdleConnections { get; init; }

    public BigMessageResult? BigMessage { get; init; }

    /// <summary>Null when there was no database to check (an external target without --database).</summary>
    public DeliveryCheck? Delivery { get; init; }

    public required double TotalSeconds { get; init; }

    /// <summary>How busy the machine was over one second before the bench started anything (other work shares the cores).</summary>
    public double? BackgroundBusyBeforeRun { get; init; }

    /// <summary>/proc/loadavg when the run started.</summary>
    public string? LoadAverageBeforeRun { get; init; }
}
