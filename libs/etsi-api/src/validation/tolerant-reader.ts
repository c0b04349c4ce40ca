const tolerant = new WeakSet<object>();

/**
 * Marks an ETSI body DTO whose unknown members are ignored (and logged at debug), unless the KME
 * runs with STRICT_REQUESTS=true. Every other DTO (queries, the KME-to-KME API) refuses them.
 */
export const TolerantReader = (): ClassDecorator => (target) => {
  tolerant.add(target);
};

export const isTolerantReader = (type: object): boolean => tolerant.has(type);
