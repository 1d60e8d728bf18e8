using System.Diagnostics;

namespace FairKd.Torch.Train;

/// <summary>Accumulates steps and data-wait time into one <see cref="LogRecord"/> every N steps.</summary>
internal sealed class LogWindow(int every)
{
    private long start = Stopwatch.GetTimestamp();
    private long waitTicks;
    private int steps, images;
    private double loss, margin, kd;
    private StepMetrics? last;

    public void AddWait(long ticks) => waitTicks += ticks;

    /// <summary>Adds a step; returns the window's record when it holds N steps.</summary>
    public LogRecord? Add(StepMetrics m)
    {
        steps++;
        images += m.Count;
        loss += m.Loss;
        margin += m.MarginLoss;
        kd += m.KdLoss;
        last = m;
        return steps >= every ? Flush() : null;
    }

    /// <summary>The record of the steps so far (null when none) and a fresh window.</summary>
    public LogRecord? Flush()
    {
        if (steps == 0 || last is null) return null;
        var now = Stopwatch.GetTimestamp();
        var seconds = Math.Max((double)(now - start) / Stopwatch.Frequency, 1e-9);
        var r = new LogRecord(last.Epoch, last.Step, last.GlobalStep, loss / steps, margin / steps, kd / steps, last.LearningRate,
            images / seconds, Math.Min(1.0, (double)waitTicks / Stopwatch.Frequency / seconds));
        start = now;
        waitTicks = 0;
        steps = images = 0;
        loss = margin = kd = 0;
        return r;
    }
}
