namespace ScanGate.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline, instead of sleeping for a fixed time.</summary>
public static class Eventually
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string message, TimeSpan? poll = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline) Assert.Fail($"{message} (waited {timeout.TotalSeconds:0.#} s)");
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(100));
        }
    }
}
