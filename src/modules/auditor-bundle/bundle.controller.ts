import { Controller, Get, Header, Logger, Param, StreamableFile } from '@nestjs/common';
import { Roles } from '#src/common/tenancy/decorators';
import { BundleExportsService } from './bundle-exports.service';

const ROUTE = 'api/exports';

export function exportDownloadPath(id: string): string {
  return `/${ROUTE}/${id}/bundle.zip`;
}

/** The download of a READY export, with the same bearer token and roles as GraphQL. */
@Controller(ROUTE)
export class BundleController {
  private readonly logger = new Logger('BundleExports');

  constructor(private readonly exports: BundleExportsService) {}

  @Get(':id/bundle.zip')
  @Roles('ADMIN', 'AUDITOR')
  @Header('cache-control', 'no-store')
  async download(@Param('id') id: string): Promise<StreamableFile> {
    const { export: found, content } = await this.exports.download(id);
    const file = new StreamableFile(content, {
      type: 'application/zip',
      length: found.bytes,
      disposition: `attachment; filename="assessment-${found.assessmentId}-export-${found.id}.zip"`,
    });
    // Headers are sent with the first chunk: a read failing later can only cut the download short, which
    // the client sees as fewer bytes than `content-length` (and a ZIP without its directory).
    return file.setErrorHandler((error, response) => {
      this.logger.error(`Download of export ${found.id} failed: ${error.message}`);
      if (!response.headersSent) response.statusCode = 500;
      response.destroy?.();
    });
  }
}
