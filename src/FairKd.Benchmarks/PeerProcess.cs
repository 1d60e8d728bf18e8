using System.Diagnostics;
using System.Text.Json;

namespace FairKd.Benchmarks;

/// <summary>
/// A long-lived Python peer driven by one-line commands on stdin, each answered by one JSON line on stdout
/// (so the model is loaded once and A/B rounds can alternate with the C# side). Stderr is collected for errors.
/// </summary>
internal sealed class PeerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private PeerProcess(Process process)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>Starts /usr/bin/python3 SCRIPT ARGS and waits for its first JSON line (null when it fails).</summary>
    public static (PeerProcess? Peer, JsonElement? Ready) Start(string script, IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            var peer = new PeerProcess(Process.Start(psi)!);
            var ready = peer.ReadJson(timeout);
            if (ready is null)
            {
                peer.Dispose();
                return (null, null);
            }

            return (peer, ready);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.Error.WriteLine("peer not run: " + e.Message);
            return (null, null);
        }
    }

    /// <summary>Sends one command and returns its JSON answer (null on failure or timeout, with the reason on stderr).</summary>
    public JsonElement? Ask(string command, TimeSpan timeout)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        return ReadJson(timeout);
    }

    private JsonElement? ReadJson(TimeSpan timeout)
    {
        var line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(timeout) || line.Result is null)
        {
            Console.Error.WriteLine($"peer gave no answer: {(_process.HasExited ? _stderr.Result : "timed out")}");
            return null;
        }

        try
        {
            return JsonDocument.Parse(line.Result).RootElement.Clone();
        }
        catch (JsonException e)
        {
            Console.Error.WriteLine($"peer answered with invalid JSON ({e.Message}): {line.Result[..Math.Min(200, line.Result.Length)]}");
            return null;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine("quit");
                _process.StandardInput.Flush();
                if (!_process.WaitForExit(TimeSpan.FromSeconds(10))) _process.Kill(entireProcessTree: true);
            }
        }
        catch (IOException)
        {
            // the peer already closed its stdin
        }

        _process.Dispose();
    }
}
