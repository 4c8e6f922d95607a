import { handleUnhandledRejections, unhandledRejectionHandler } from './unhandled-rejection';

describe('unhandled promise rejections', () => {
  it('logs the error name, message and stack, and does not exit', () => {
    const error = jest.fn();
    const exit = jest.spyOn(process, 'exit').mockImplementation(() => undefined as never);
    try {
      const failure = new TypeError('renew failed');
      unhandledRejectionHandler({ error })(failure);
      expect(error).toHaveBeenCalledWith(
        'Unhandled promise rejection: TypeError: renew failed',
        failure.stack,
      );
      expect(exit).not.toHaveBeenCalled();
    } finally {
      exit.mockRestore();
    }
  });

  it('logs only the type of a non-error value (it may be a token or a whole request)', () => {
    const error = jest.fn();
    unhandledRejectionHandler({ error })({ headers: { authorization: 'Bearer secret-token' } });
    unhandledRejectionHandler({ error })('Bearer secret-token');
    expect(error.mock.calls).toEqual([
      ['Unhandled promise rejection with a non-error value (object)'],
      ['Unhandled promise rejection with a non-error value (string)'],
    ]);
  });

  it('never logs the properties of an error (an HTTP client error carries its request headers)', () => {
    const error = jest.fn();
    const failure = Object.assign(new Error('Request failed with status 401'), {
      config: { headers: { Authorization: 'Bearer secret-token' } },
    });
    unhandledRejectionHandler({ error })(failure);
    expect(JSON.stringify(error.mock.calls)).not.toContain('secret-token');
  });

  it('is installed for the process and removed again', () => {
    const error = jest.fn();
    const before = process.listenerCount('unhandledRejection');
    const remove = handleUnhandledRejections({ error });
    expect(process.listenerCount('unhandledRejection')).toBe(before + 1);
    const rejected = Promise.reject(new Error('nobody listens'));
    rejected.catch(() => undefined);
    process.emit('unhandledRejection', new Error('nobody listens'), rejected);
    expect(error).toHaveBeenCalledWith(
      'Unhandled promise rejection: Error: nobody listens',
      expect.any(String),
    );
    remove();
    expect(process.listenerCount('unhandledRejection')).toBe(before);
  });
});
