using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FairKd.Torch.Interop;

/// <summary>
/// TorchSharp's <see cref="SGD"/> (same parameter groups, options, momentum-buffer state and checkpoint format) with a
/// <see cref="step"/> that owns the Scalars it hands LibTorch. TorchSharp's step passes <c>alpha: weight_decay</c>,
/// <c>mul_(momentum)</c>, <c>alpha: 1 - dampening</c> and <c>alpha: -lr</c> as temporary Scalars that a garbage collection
/// can free mid-call (README.md in this folder). The update is PyTorch's, operation for operation:
/// <c>g = grad + wd * p; buf = momentum * buf + (1 - dampening) * g</c> (<c>buf = g</c> at the first step);
/// <c>g = nesterov ? g + momentum * buf : buf; p -= lr * g</c>.
/// </summary>
public sealed class GcSafeSgd : SGD
{
    /// <summary>Creates the optimiser over <paramref name="groups"/>; the arguments are the defaults of groups that leave them unset.</summary>
    public GcSafeSgd(IEnumerable<ParamGroup> groups, double lr, double momentum = 0.0, double dampening = 0, double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : base(groups, lr, momentum, dampening, weightDecay, nesterov, maximize)
    {
    }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = group.Options;
        var momentum = options.momentum!.Value;
        var weightDecay = options.weight_decay!.Value;
        var nesterov = options.nesterov!.Value;
        var lr = options.LearningRate!.Value;
        // lr changes with the schedule: owned for this step, disposed after the last native call that reads it
        using var alpha = (options.maximize!.Value ? lr : -lr).ToScalar();
        var decay = Scalars.Of(weightDecay);
        var mom = Scalars.Of(momentum);
        var keep = Scalars.Of(1 - options.dampening!.Value);
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null) continue;
            if (weightDecay != 0) grad = grad.add(param, decay);
            if (momentum != 0)
            {
                var state = (State)_state[param.Handle];
                var buf = state.momentum_buffer;
                if (buf is null)
                {
                    buf = grad.clone().detach().DetachFromDisposeScope();
                    state.momentum_buffer = buf;
                }
                else
                {
                    buf.mul_(mom).add_(grad, keep);
                }

                grad = nesterov ? grad.add(buf, mom) : buf;
            }

            param.add_(grad, alpha);
        }
    }, closure);
}
