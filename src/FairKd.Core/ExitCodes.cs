namespace FairKd.Core;

/// <summary>Process exit codes of every <c>fairkd</c> command.</summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked (rejected samples are data, not failure).</summary>
    public const int Success = 0;

    /// <summary>The run failed (I/O error, a stage fault, a NaN loss, ...).</summary>
    public const int Failed = 1;

    /// <summary>Bad arguments or configuration: nothing was done; the message says what to fix.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted (Ctrl+C); outputs written so far are complete and a rerun resumes.</summary>
    public const int Interrupted = 130;
}

/// <summary>Bad arguments or configuration, detected before work starts. The CLI maps it to exit code 2.</summary>
public class UsageException(string message) : Exception(message);
