using System.Runtime.CompilerServices;

namespace FairKd.Torch.Tests;

/// <summary>The test process computes what fairkd computes: the oneDNN ISA policy is applied before any test touches LibTorch.</summary>
internal static class OneDnnIsaSetup
{
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "must run before LibTorch creates its first oneDNN primitive")]
    internal static void Initialize() => FairKd.Torch.Runtime.OneDnnIsa.Apply();
}
