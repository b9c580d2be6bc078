using System.Globalization;
using System.Text;
using ChitBox.Bench.Measure;

namespace ChitBox.Bench.Report;

/// <summary>The report as Markdown: one row per load, ChitBox beside smtp-sink, then memory and the delivery check.</summary>
public static class MarkdownReport
{
    public static string Write(BenchReport report)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {report.Machine}.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Command: `dotnet run -c Release --project ChitBox.Bench --{(report.Command.Length > 0 ? " " + report.Command : "")}` " +
            $"({report.StartedAt:yyyy-MM-dd HH:mm} UTC, {report.TotalSeconds:0} s in all). Target: {report.Target}.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Machine busy before the run: {report.BackgroundBusyBeforeRun?.ToString("0%", CultureInfo.InvariantCulture) ?? "?"} (load average {report.LoadAverageBeforeRun ?? "?"}).");
        md.AppendLine();
        md.AppendLine("| load | msg/s | smtp-sink msg/s | ratio | 250 p50 / p95 / p99 ms | sink 250 p99 ms | new_email p50 / p99 ms | ingress peak RSS MB | ingress CPU ms/msg | API peak RSS MB | API CPU ms/msg | 4xx / 5xx / errors |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var sinks = report.Cells.Where(c => c.Target == "smtp-sink").ToDictionary(c => c.Load);
        foreach (var cell in report.Cells.Where(c => c.Target != "smtp-sink"))
        {
            sinks.TryGetValue(cell.Load, out var sink);
            md.Append(CultureInfo.InvariantCulture, $"| {cell.Load} ")
                .Append(CultureInfo.InvariantCulture, $"| {cell.MessagesPerSecond:0} ")
                .Append(CultureInfo.InvariantCulture, $"| {(sink is null ? "" : sink.MessagesPerSecond.ToString("0", CultureInfo.InvariantCulture))} ")
                .Append(CultureInfo.InvariantCulture, $"| {(cell.RatioToSink is { } ratio ? ratio.ToString("0.00", CultureInfo.InvariantCulture) : "")} ")
                .Append(CultureInfo.InvariantCulture, $"| {Ms(cell.TimeTo250P50)} / {Ms(cell.TimeTo250P95)} / {Ms(cell.TimeTo250P99)} ")
                .Append(CultureInfo.InvariantCulture, $"| {Ms(sink?.TimeTo250P99)} ")
                .Append(CultureInfo.InvariantCulture, $"| {NewEmail(cell)} ")
                .Append(CultureInfo.InvariantCulture, $"| {Mb(cell.Server?.PeakRssMb)} | {Ms(cell.Server?.CpuMsPerMessage)} ")
                .Append(CultureInfo.InvariantCulture, $"| {Mb(cell.Api?.PeakRssMb)} | {Ms(cell.Api?.CpuMsPerMessage)} ")
                .Append(CultureInfo.InvariantCulture, $"| {cell.TransientReplies} / {cell.Rejected} / {cell.ConnectionErrors} |")
                .AppendLine();
        }

        md.AppendLine();
        md.AppendLine("Cells run for at most the duration or message count given; each load runs against ChitBox, then smtp-sink, " +
            "with the bench's own pipelining client (MAIL, RCPT, DATA in one write; message and terminator in one write, with QUIT when one message per connection). " +
            "Time to 250 runs from the last byte of the message written to the final reply read. new_email is the delay from the 250 " +
            "to the event at a SignalR client connected to the API (an event arriving before its 250 counts as 0). " +
            "Peak RSS is VmHWM reset at each cell's start (and VmRSS sampled every 20 ms); CPU is utime + stime over accepted messages.");
        md.AppendLine();
        WriteCpuTable(md, report);
        if (report.IdleConnections is { } idle)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"- Idle connections: {idle.Opened} of {idle.Connections} opened (EHLO, then silence); ingress RSS {idle.RssBeforeMb:0.0} → {idle.RssAfterMb:0.0} MB, " +
                $"**{idle.KilobytesPerConnection:0.0} KB per connection**.");
        }

        if (report.BigMessage is { } big)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"- One {big.SizeBytes / (1024 * 1024)} MB message: {(big.Accepted ? "accepted" : "not accepted: " + big.Reply)} in {big.Seconds:0.0} s; " +
                $"ingress RSS {big.RssBeforeMb:0.0} MB before, peak {big.PeakRssMb:0.0} MB, **rise {big.PeakRiseMb:0.0} MB**.");
        }

        if (report.Delivery is { } delivery)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"- Delivery check in mail_messages: {(delivery.Passed ? "**passed**" : "**FAILED**")}: {delivery}.");
        }

        return md.ToString();
    }

    /// <summary>Where the machine's CPU went during each ChitBox cell, per accepted message.</summary>
    private static void WriteCpuTable(StringBuilder md, BenchReport report)
    {
        string[] columns = ["ingress", "api", "postgres", "redis", "bench client"];
        var cells = report.Cells.Where(c => c.Target != "smtp-sink" && c.CpuSeconds is not null && c.Accepted > 0).ToList();
        if (cells.Count == 0)
        {
            return;
        }

        md.AppendLine("CPU per accepted message (ms), by process, and how busy the whole machine was:");
        md.AppendLine();
        md.AppendLine("| load | " + string.Join(" | ", columns) + " | machine busy |");
        md.AppendLine("| --- |" + string.Concat(Enumerable.Repeat(" ---: |", columns.Length + 1)));
        foreach (var cell in cells)
        {
            var cpu = cell.CpuSeconds!;
            md.Append(CultureInfo.InvariantCulture, $"| {cell.Load} ");
            foreach (var column in columns)
            {
                md.Append("| ").Append(cpu.TryGetValue(column, out var seconds) ? Ms(seconds * 1000 / cell.Accepted) : "").Append(' ');
            }

            // Over the meter's own window, which also covers waiting for the last new_email events.
            var busy = cpu.TryGetValue("machine busy", out var machine) && cpu.TryGetValue(CpuMeter.Wall, out var wall) && wall > 0
                ? (machine / (wall * report.Machine.Cores)).ToString("0%", CultureInfo.InvariantCulture)
                : "";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {busy} |");
        }

        md.AppendLine();
    }

    private static string NewEmail(CellResult cell) =>
        cell.NewEmailP50 is null && cell.NewEmailMissing is null ? ""
        : $"{Ms(cell.NewEmailP50)} / {Ms(cell.NewEmailP99)}" + (cell.NewEmailMissing is > 0 ? $" ({cell.NewEmailMissing} missing)" : "");

    private static string Ms(double? value) => value switch
    {
        null => "",
        < 10 => value.Value.ToString("0.00", CultureInfo.InvariantCulture),
        < 100 => value.Value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("0", CultureInfo.InvariantCulture),
    };

    private static string Mb(double? value) => value?.ToString("0", CultureInfo.InvariantCulture) ?? "";
}
