namespace FairKd.Tests.Shared;

/// <summary>
/// The optional Python peers: Debian's /usr/bin/python3 with torch and numpy (apt-get install python3-torch python3-numpy),
/// or with onnx and numpy (python3-onnx). A few checks need them to read what FairKd wrote (PyTorch loads our saved
/// weights with strict=True; onnx checks and evaluates our ONNX exports); they run where the peer is installed (CI
/// installs it) and are skipped, with this reason shown, where it is not. Everything
/// the peer computed ahead of time is committed under tests/golden/, so no other test needs Python.
/// </summary>
internal static class PythonPeer
{
    private static readonly Lazy<string?> Missing = new(() => Probe("PyTorch peer check", ["torch", "numpy"], "apt-get install python3-torch python3-numpy"));

    private static readonly Lazy<string?> OnnxMissing = new(() => Probe("ONNX peer check", ["onnx", "numpy"], "apt-get install python3-onnx python3-numpy"));

    /// <summary>Null when the PyTorch peer runs here, else why not (the skip reason).</summary>
    public static string? Unavailable => Missing.Value;

    /// <summary>Null when Python with onnx and numpy (Debian python3-onnx) runs here, else why not (the skip reason).</summary>
    public static string? OnnxUnavailable => OnnxMissing.Value;

    private static string? Probe(string check, string[] modules, string install)
    {
        if (!File.Exists(RepoPaths.Python)) return $"{check}: {RepoPaths.Python} is not installed ({install})";
        try
        {
            var r = ProcessRunner.Run(RepoPaths.Python, ["-c", "import " + string.Join(", ", modules)], TimeSpan.FromMinutes(2));
            if (r.ExitCode == 0) return null;
            var last = r.StdErr.Trim().Split('\n').LastOrDefault()?.Trim();
            return $"{check}: {RepoPaths.Python} cannot import {string.Join(" and ", modules)} ({last}; {install})";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"{check}: {RepoPaths.Python} cannot run ({ex.Message}; {install})";
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

/// <summary>A theory that needs Python with onnx and numpy; skipped with the reason where they are not installed.</summary>
public sealed class OnnxPeerTheoryAttribute : TheoryAttribute
{
    public OnnxPeerTheoryAttribute()
    {
        if (PythonPeer.OnnxUnavailable is { } why) Skip = why;
    }
}
