using System.Threading.Channels;

namespace FairKd.Core.Pipeline;

/// <summary>Groups a channel's items into lists of a fixed size (the last one may be shorter), keeping order.</summary>
public static class PipelineBatching
{
    /// <summary>Starts a stage on <paramref name="runner"/> that batches <paramref name="input"/> into lists of
    /// <paramref name="size"/> items; a bounded output of <paramref name="capacity"/> batches gives back-pressure.</summary>
    public static ChannelReader<IReadOnlyList<T>> Batch<T>(this PipelineRunner runner, string name, ChannelReader<T> input, int size, int capacity = 2)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var output = PipelineRunner.CreateChannel<IReadOnlyList<T>>(capacity, singleReader: false, singleWriter: true);
        runner.Stage(name, output.Writer, async ct =>
        {
            var batch = new List<T>(size);
            await foreach (var item in input.ReadAllAsync(ct).ConfigureAwait(false))
            {
                batch.Add(item);
                if (batch.Count < size) continue;
                await output.Writer.WriteAsync(batch, ct).ConfigureAwait(false);
                batch = new List<T>(size);
            }

            if (batch.Count > 0) await output.Writer.WriteAsync(batch, ct).ConfigureAwait(false);
        });
        return output.Reader;
    }
}
