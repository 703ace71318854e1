using MakerChecker.OpenTelemetry;

namespace OpenTelemetry.Metrics
{
    /// <summary>Subscribes a meter provider to MakerChecker's metrics.</summary>
    public static class MakerCheckerMeterProviderBuilderExtensions
    {
        /// <summary>Adds the gate's meter (<see cref="MakerCheckerTelemetry.MeterName"/>): decisions, sign-offs, dwell, findings, open requests.</summary>
        /// <param name="builder">The meter provider builder.</param>
        /// <returns><paramref name="builder"/>.</returns>
        public static MeterProviderBuilder AddMakerCheckerInstrumentation(this MeterProviderBuilder builder)
        {
            ArgumentNullException.ThrowIfNull(builder);
            return builder.AddMeter(MakerCheckerTelemetry.MeterName);
        }
    }
}

namespace OpenTelemetry.Trace
{
    /// <summary>Subscribes a tracer provider to MakerChecker's spans.</summary>
    public static class MakerCheckerTracerProviderBuilderExtensions
    {
        /// <summary>Adds the gate's activity source (<see cref="MakerCheckerTelemetry.ActivitySourceName"/>): one span per gate call and tool call.</summary>
        /// <param name="builder">The tracer provider builder.</param>
        /// <returns><paramref name="builder"/>.</returns>
        public static TracerProviderBuilder AddMakerCheckerInstrumentation(this TracerProviderBuilder builder)
        {
            ArgumentNullException.ThrowIfNull(builder);
            return builder.AddSource(MakerCheckerTelemetry.ActivitySourceName);
        }
    }
}
