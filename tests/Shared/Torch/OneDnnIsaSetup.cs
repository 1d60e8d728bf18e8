using System.Runtime.CompilerServices;

namespace FairKd.Tests.Shared;

/// <summary>
/// The test process computes what fairkd computes: the oneDNN policy (ISA cap, cache view) is applied before any test
/// touches LibTorch, even a test that calls TorchSharp before it loads FairKd.Torch. Compiled into the test projects
/// that reference FairKd.Torch (tests/Directory.Build.props).
/// </summary>
internal static class OneDnnIsaSetup
{
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "must run before LibTorch creates its first oneDNN primitive")]
    internal static void Initialize() => FairKd.Torch.Runtime.OneDnnIsa.Apply();
}
