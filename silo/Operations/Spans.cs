using System.Diagnostics;

namespace ScanGate.Silo.Operations;

public static class Spans
{
    /// <summary>For an exception filter: marks the span failed with the exception and lets the exception go on
    /// (it never catches).</summary>
    public static bool Failed(Activity? activity, Exception ex)
    {
        activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
        activity?.AddException(ex);
        return false;
    }
}
