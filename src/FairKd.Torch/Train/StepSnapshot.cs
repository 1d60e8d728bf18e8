using FairKd.Torch.Losses;
using static TorchSharp.torch;

namespace FairKd.Torch.Train;

/// <summary>
/// What one training step's forward depends on besides the weights and the batch: torch's CPU random state (dropout)
/// and the header's state (AdaFace running statistics, ElasticFace's margin generator). Taken before every step (a few
/// kilobytes) so a diverged step can be replayed exactly (<see cref="Trainer"/>).
/// </summary>
internal sealed class StepSnapshot : IDisposable
{
    private readonly Tensor rng;
    private readonly List<(string Name, Tensor Value)> buffers;
    private readonly ulong? headerRandom;

    public StepSnapshot(MarginHeader header)
    {
        rng = random.get_rng_state().DetachFromDisposeScope();
        buffers = header.named_buffers().Select(b => (b.name, b.buffer.clone().DetachFromDisposeScope())).ToList();
        headerRandom = (header as IStochasticHeader)?.Random.State;
    }

    /// <summary>Puts the random state and the header state back as they were.</summary>
    public void Restore(MarginHeader header)
    {
        random.set_rng_state(rng);
        using (no_grad())
        {
            var live = header.named_buffers().ToDictionary(b => b.name, b => b.buffer);
            foreach (var (name, value) in buffers) live[name].copy_(value);
        }

        if (header is IStochasticHeader s && headerRandom is { } state) s.Random.State = state;
    }

    public void Dispose()
    {
        rng.Dispose();
        foreach (var (_, v) in buffers) v.Dispose();
    }
}
