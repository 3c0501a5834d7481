// Minimal types for the `qrcode` package (it ships none): the two calls openpta uses, through its default export.
declare module 'qrcode' {
  interface QRCodeOptions {
    type?: 'svg' | 'terminal' | 'utf8';
    errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H';
    margin?: number;
    width?: number;
  }
  const qrcode: {
    toString(text: string, options?: QRCodeOptions): Promise<string>;
    toDataURL(text: string, options?: Omit<QRCodeOptions, 'type'>): Promise<string>;
  };
  export default qrcode;
}
