namespace FairKd.Tests.Shared;

/// <summary>
/// The optional PyTorch peer: Debian's /usr/bin/python3 with torch and numpy (apt-get install python3-torch python3-numpy).
/// A few checks need PyTorch itself to read what FairKd wrote (PyTorch loads our saved weights with strict=True); they
/// run where the peer is installed (CI installs it) and are skipped, with this reason shown, where it is not. Everything
/// the peer computed ahead of time is committed under tests/golden/, so no other test needs Python.
/// </summary>
internal static class PythonPeer
{
    private static readonly Lazy<string?> Missing = new(Probe);

    /// <summary>Null when the peer runs here, else why not (the skip reason).</summary>
    public static string? Unavailable => Missing.Value;

    private static string? Probe()
    {
        const string install = "apt-get install python3-torch python3-numpy";
        if (!File.Exists(RepoPaths.Python)) return $"PyTorch peer check: {RepoPaths.Python} is not installed ({install})";
        try
        {
            var r = ProcessRunner.Run(RepoPaths.Python, ["-c", "import torch, numpy"], TimeSpan.FromMinutes(2));
            if (r.ExitCode == 0) return null;
            var last = r.StdErr.Trim().Split('\n').LastOrDefault()?.Trim();
            return $"PyTorch peer check: {RepoPaths.Python} cannot import torch and numpy ({last}; {install})";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"PyTorch peer check: {RepoPaths.Python} cannot run ({ex.Message}; {install})";
        }
    }
}

/// <summary>A fact that needs the PyTorch peer; skipped with the reason where it is not installed.</summary>
public sealed class PyTorchPeerFactAttribute : FactAttribute
{
    public PyTorchPeerFactAttribute()
    {
        if (PythonPeer.Unavailable is { } why) Skip = why;
    }
}

/// <summary>A theory that needs the PyTorch peer; skipped with the reason where it is not installed.</summary>
public sealed class PyTorchPeerTheoryAttribute : TheoryAttribute
{
    public PyTorchPeerTheoryAttribute()
    {
        if (PythonPeer.Unavailable is { } why) Skip = why;
    }
}
