import { shapeOf, type ServiceModel, type Shape, type ShapeRef } from './model.js';

/**
 * Model-driven XML output shared by the query protocol (IAM, STS) and REST-XML (S3): structures,
 * wrapped and flattened lists, maps as `<entry><key/><value/></entry>`. What differs between the
 * protocols is passed in: timestamp format, text escaping, and whether members bound to HTTP
 * (headers, URI) are skipped.
 */
export interface XmlStyle {
  /** REST-XML: members with a `location` travel in headers or the URI, not the body. */
  readonly skipLocated: boolean;
  readonly timestamp: (d: Date) => string;
  /** The element text for a scalar (already escaped). */
  readonly text: (value: string, ref: ShapeRef) => string;
}

export function writeXmlMembers(model: ServiceModel, shape: Shape, value: Record<string, unknown>, out: string[], style: XmlStyle): void {
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    if (style.skipLocated && ref.location) continue;
    const v = value[name];
    if (v === undefined || v === null) continue;
    writeXmlValue(model, ref, ref.locationName ?? name, v, out, style);
  }
}

export function writeXmlValue(model: ServiceModel, ref: ShapeRef, name: string, v: unknown, out: string[], style: XmlStyle): void {
  const shape = shapeOf(model, ref.shape);
  switch (shape.type) {
    case 'structure':
      out.push(`<${name}>`);
      writeXmlMembers(model, shape, v as Record<string, unknown>, out, style);
      out.push(`</${name}>`);
      return;
    case 'list': {
      const member = shape.member as ShapeRef;
      const items = v as unknown[];
      if (shape.flattened || ref.flattened) {
        for (const item of items) writeXmlValue(model, member, name, item, out, style);
        return;
      }
      out.push(`<${name}>`);
      for (const item of items) writeXmlValue(model, member, member.locationName ?? 'member', item, out, style);
      out.push(`</${name}>`);
      return;
    }
    case 'map': {
      out.push(`<${name}>`);
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
        out.push('<entry>');
        writeXmlValue(model, shape.key as ShapeRef, shape.key?.locationName ?? 'key', k, out, style);
        writeXmlValue(model, shape.value as ShapeRef, shape.value?.locationName ?? 'value', val, out, style);
        out.push('</entry>');
      }
      out.push(`</${name}>`);
      return;
    }
    case 'timestamp':
      out.push(`<${name}>${style.timestamp(v instanceof Date ? v : new Date(v as string))}</${name}>`);
      return;
    default: {
      const text = style.text(String(v), ref);
      out.push(text === '' ? `<${name}/>` : `<${name}>${text}</${name}>`);
    }
  }
}
