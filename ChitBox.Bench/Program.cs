using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChitBox.Bench;
using ChitBox.Bench.Load;
using ChitBox.Bench.Report;

ClientSockets.PreferInline();

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (FormatException e)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}{Environment.NewLine}{Environment.NewLine}{BenchOptions.Usage}");
    return 2;
}

if (options.ShowHelp)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

// kill (SIGTERM) stops the run as Ctrl+C does, so the stack it started is taken down too.
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancellation.Cancel();
});

BenchReport report;
try
{
    report = await new BenchRunner(options, Console.Error).RunAsync(cancellation.Token);
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("cancelled");
    return 130;
}

var markdown = MarkdownReport.Write(report);
Directory.CreateDirectory(options.OutputDirectory);
var json = new JsonSerializerOptions(JsonSerializerOptions.Web)
{
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
};
await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "latest.json"), JsonSerializer.Serialize(report, json));
await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "latest.md"), markdown);
Console.WriteLine(markdown);
await Console.Error.WriteLineAsync($"written: {Path.Combine(options.OutputDirectory, "latest.json")}, latest.md");
return report.Delivery is { Passed: false } ? 1 : 0;
