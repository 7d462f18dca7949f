using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace ScanGate.Tests.Console.Components;

/// <summary>A bUnit renderer with MudBlazor's services, for rendering one console component alone (no silo, no
/// browser). MudBlazor's browser calls (focus, popover placement) are answered as no-ops: they change nothing a test
/// here reads.</summary>
public abstract class ConsoleComponentContext : BunitContext, IAsyncLifetime
{
    protected ConsoleComponentContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services dispose asynchronously only; xunit would otherwise dispose the context synchronously.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
