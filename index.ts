/** snapfleet's public face: the feature API types feature code imports, the compiler, and the
 * build output format. Pulumi components and the local cloud are exported as they land. */
export type {
  FeatureApi,
  App,
  ChannelValue,
  CommsChannel,
  CommsChannelOptions,
  Secret,
  SecretOptions,
  UiElement,
  Indicator,
  GaugeOptions,
  ChartOptions,
  SliderOptions,
  UiControlOptions,
  AnalogPin,
  DigitalPin,
  Mcu,
  ServerApi,
  ServerDevice,
  ServerFleet,
  Setting,
  SettingOptions,
  SettingValue,
  ToggleOptions,
  ToggleHandle,
} from "./core/api/featureApi";
export { compileFeatures, type CompileOptions, type CompileResult } from "./core/compiler/compileFeatures";
export { FeatureCompileError, MissingSecretsError } from "./core/compiler/errors";
export type { Manifest, ChannelDecl, SecretDecl, ControlDecl, PinDecl, Target } from "./core/contracts/manifest";
export type { SettingDecl } from "./core/settings/settingDecl";
export { readBuild, writeBuild, type BuildOutput } from "./core/contracts/buildOutput";
// Boards: which pins exist and what they can do (README "Boards").
export { BUILT_IN_BOARDS, loadBoard, validateBoardDefinition, type BoardDefinition, type PinCapability } from "./core/boards";
// AWS deployment (Pulumi components) and dashboard tokens.
export { FeatureApp, OtaJob, secretConfigKey, missingSecretHint, dashboardConfig } from "./components";
export type { FeatureAppArgs, FleetArgs, OtaArgs, ChannelTopics, DeviceCredentials, DashboardConfig } from "./components";
export { mintDashboardToken, verifyDashboardToken, decodeDashboardKey } from "./core/contracts/dashboardToken";
