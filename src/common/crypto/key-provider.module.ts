import { Global, Module } from '@nestjs/common';
import { type AppConfig } from '#src/config/app-config';
import { APP_CONFIG } from '#src/config/config.module';
import { AwsKeyProvider } from './aws-key.provider';
import { KEY_PROVIDER, type KeyProvider } from './key-provider';
import { LocalKeyProvider } from './local-key.provider';

export function createKeyProvider(config: AppConfig): KeyProvider {
  const { kms } = config;
  switch (kms.provider) {
    case 'aws':
      return new AwsKeyProvider({
        keyId: kms.keyId ?? '',
        region: kms.region ?? '',
        ...(kms.endpoint === undefined ? {} : { endpoint: kms.endpoint }),
      });
    case 'local':
      return new LocalKeyProvider(kms.localMasterKeyFile);
  }
}

/** The configured key provider (`KMS_PROVIDER`), available everywhere as `KEY_PROVIDER`. */
@Global()
@Module({
  providers: [{ provide: KEY_PROVIDER, inject: [APP_CONFIG], useFactory: createKeyProvider }],
  exports: [KEY_PROVIDER],
})
export class KeyProviderModule {}
