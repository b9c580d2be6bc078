using ChitBox.Bench.Measure;

namespace ChitBox.Tests.Bench;

public sealed class ProcessStatsTests
{
    [Fact]
    public void Thread_cpu_is_read_for_the_named_threads_only()
    {
        using var stop = new ManualResetEventSlim();
        using var named = new ManualResetEventSlim();
        var worker = new Thread(() =>
        {
            named.Set();
            stop.Wait();
        })
        { Name = "cbx-stats-probe", IsBackground = true };
        worker.Start();
        named.Wait();

        try
        {
            var threads = ProcessStats.ReadThreadCpuSeconds(Environment.ProcessId, "cbx-stats-probe");

            var (_, seconds) = Assert.Single(threads);
            Assert.True(seconds >= 0);
            Assert.Empty(ProcessStats.ReadThreadCpuSeconds(Environment.ProcessId, "cbx-no-such-thread"));
            Assert.Empty(ProcessStats.ReadThreadCpuSeconds(int.MaxValue, "cbx-stats-probe"));
        }
        finally
        {
            stop.Set();
            worker.Join();
        }
    }
}
