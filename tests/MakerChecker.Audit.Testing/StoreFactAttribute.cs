using System.Reflection;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace MakerChecker.Audit.Testing;

/// <summary>
/// A fact that is skipped, with a visible reason, when its test class has a public static <c>StoreSkipReason</c>
/// property that returns a reason: for example the PostgreSQL tests outside CI when no server is available.
/// The conformance suite's tests use it, so one store's missing server skips only that store's tests.
/// </summary>
[XunitTestCaseDiscoverer("MakerChecker.Audit.Testing.StoreFactDiscoverer", "MakerChecker.Audit.Testing")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute
{
}

/// <summary>Discovers <see cref="StoreFactAttribute"/> tests, skipping them when the class says its store is unavailable.</summary>
/// <param name="diagnosticMessageSink">Where xunit's diagnostics go.</param>
public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    /// <inheritdoc/>
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        ArgumentNullException.ThrowIfNull(testMethod);
        var type = testMethod.TestClass.Class.ToRuntimeType();
        var reason = type?.GetProperty("StoreSkipReason", BindingFlags.Public | BindingFlags.Static | BindingFlags.FlattenHierarchy)?.GetValue(null) as string;
        if (reason is null)
        {
            return base.Discover(discoveryOptions, testMethod, factAttribute);
        }

        return [new XunitSkippedDataRowTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
            discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason)];
    }
}
